using Bifrost.Ib.Messages;

namespace Bifrost.Ib.Client;

/// <summary>
/// The peer broke the protocol (or our handler threw). Fatal errors are followed by <see cref="IbDisconnected"/>: after a
/// frame we could not decode we no longer trust the session.
/// </summary>
public sealed record IbProtocolError(string Message, bool Fatal) : IIbEvent;
