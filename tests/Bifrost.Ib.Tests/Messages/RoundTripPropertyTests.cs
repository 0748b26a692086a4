using Bifrost.Ib.Messages;
using Bifrost.Ib.Messages.Events;
using Bifrost.Ib.Messages.Requests;
using Bifrost.Ib.Tests.Support;
using Bifrost.Ib.Wire;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Bifrost.Ib.Tests.Messages;

/// <summary>
/// encode → decode → encode is the identity on bytes, for every message type, over random values (FsCheck supplies the
/// seeds; <see cref="RandomMessages"/> builds the messages). Byte identity catches any field a decoder drops or misplaces,
/// because the generator fills every field with a non-default value most of the time. A failure prints FsCheck's seed;
/// <c>[Property(Replay = "seed,gamma")]</c> replays it.
/// </summary>
public class RoundTripPropertyTests
{
    private static Arbitrary<int> Seeds => Arb.From(Gen.Choose(0, int.MaxValue));

    [Property(MaxTest = 300)]
    public Property EveryRequest_RoundTripsThroughTheGatewayDecoder() =>
        Prop.ForAll(Seeds, seed =>
        {
            var request = new RandomMessages(seed).Request();
            var bytes = Codec.Encode(request, IbTextPolicy.ClientAscii);
            var decoded = IbRequestDecoder.Decode(bytes);
            Assert.Equal(request.GetType(), decoded.GetType());
            Assert.Equal(bytes, Codec.Encode(decoded, IbTextPolicy.ClientAscii));
        });

    [Property(MaxTest = 300)]
    public Property EveryServerMessage_RoundTripsThroughTheClientDecoder() =>
        Prop.ForAll(Seeds, seed =>
        {
            var message = new RandomMessages(seed, nonAscii: true).Event();
            var bytes = Codec.Encode(message, IbTextPolicy.ServerEscaped);
            var decoded = IbEventDecoder.Decode(bytes);
            Assert.NotNull(decoded);
            Assert.Equal(message.GetType(), decoded.GetType());
            Assert.Equal(bytes, Codec.Encode(decoded, IbTextPolicy.ServerEscaped));
        });

    [Property(MaxTest = 300)]
    public Property PlaceOrder_WithEveryConditionalBlock_RoundTrips() =>
        Prop.ForAll(Seeds, seed =>
        {
            var order = new RandomMessages(seed).PlaceOrder();
            var bytes = Codec.Encode(order, IbTextPolicy.ClientAscii);
            var decoded = Codec.Decode<IbPlaceOrder>(bytes);
            Assert.Equal(bytes, Codec.Encode(decoded, IbTextPolicy.ClientAscii));
            Assert.Equal(order.Order.OrderRef, decoded.Order.OrderRef);
            Assert.Equal(order.Order.LmtPrice, decoded.Order.LmtPrice);
        });

    [Property(MaxTest = 300)]
    public Property OpenOrder_WithEveryConditionalBlock_RoundTrips() =>
        Prop.ForAll(Seeds, seed =>
        {
            var g = new RandomMessages(seed, nonAscii: true);
            var m = new IbOpenOrder(g.Int(), g.Contract(), g.Order(), g.OrderState());
            var bytes = Codec.Encode(m, IbTextPolicy.ServerEscaped);
            var decoded = Codec.Decode<IbOpenOrder>(bytes);
            Assert.Equal(bytes, Codec.Encode(decoded, IbTextPolicy.ServerEscaped));
            Assert.Equal(m.Order.PermId, decoded.Order.PermId);
            Assert.Equal(m.State, decoded.State);
        });

    [Property(MaxTest = 300)]
    public Property Ticks_RoundTripByValue() =>
        Prop.ForAll(Seeds, seed =>
        {
            var g = new RandomMessages(seed);
            var price = new IbTickPrice(g.Int(), g.Int(), g.Dbl(), g.Dec(), g.Int() & 7);
            Assert.Equal(price, Codec.Decode<IbTickPrice>(Codec.Encode(price, IbTextPolicy.ServerEscaped)));
            var size = new IbTickSize(g.Int(), g.Int(), g.Dec());
            Assert.Equal(size, Codec.Decode<IbTickSize>(Codec.Encode(size, IbTextPolicy.ServerEscaped)));
            var status = new IbOrderStatus(g.Int(), g.Str(), g.Dec(), g.Dec(), g.Dbl(), g.Long(), g.Int(), g.Dbl(), g.Int(), g.Str(), g.Dbl());
            Assert.Equal(status, Codec.Decode<IbOrderStatus>(Codec.Encode(status, IbTextPolicy.ServerEscaped)));
        });

    [Property(MaxTest = 300)]
    public Property ExecDetails_RoundTripsByValue() =>
        Prop.ForAll(Seeds, seed =>
        {
            var g = new RandomMessages(seed, nonAscii: true);
            var m = new IbExecDetails(g.Int(), g.Contract() with { PrimaryExchange = "", SecIdType = "", SecId = "", IssuerId = "" }, g.Execution());
            Assert.Equal(m, Codec.Decode<IbExecDetails>(Codec.Encode(m, IbTextPolicy.ServerEscaped)));
        });
}
