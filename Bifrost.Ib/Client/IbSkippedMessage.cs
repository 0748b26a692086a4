using Bifrost.Ib.Messages;

namespace Bifrost.Ib.Client;

/// <summary>
/// A well-framed message with an id this library does not decode (news bulletins, display groups, …). It is skipped — the
/// framing makes that safe — and reported here; the session carries on (reference §3.6).
/// </summary>
public sealed record IbSkippedMessage(int MessageId, int FieldCount) : IIbEvent;
