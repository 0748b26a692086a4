using Bifrost.Ib.Wire;

namespace Bifrost.Ib.Messages;

/// <summary>Anything that can be written as one frame.</summary>
public interface IIbEncodable
{
    /// <summary>Writes every field, message id first, into a writer already positioned by <see cref="IbFieldWriter.Begin"/>.</summary>
    void Encode(IbFieldWriter writer);
}

/// <summary>A message type that can be read back; the reader is positioned after the message id.</summary>
public interface IIbDecodable<out T>
{
    static abstract T Decode(ref IbFieldReader reader);
}

/// <summary>A client → server message (what IbClient sends and IbServerConnection receives).</summary>
public interface IIbRequest : IIbEncodable;

/// <summary>Something the client reports: a server → client message or a connection event (error, disconnect).</summary>
public interface IIbEvent;

/// <summary>A server → client message (what IbServerConnection sends and IbClient receives).</summary>
public interface IIbServerMessage : IIbEvent, IIbEncodable;
