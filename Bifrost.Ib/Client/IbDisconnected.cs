using Bifrost.Ib.Messages;

namespace Bifrost.Ib.Client;

/// <summary>The session ended; raised exactly once per connection, whoever closed it.</summary>
public sealed record IbDisconnected(string Reason, bool ByClient) : IIbEvent;
