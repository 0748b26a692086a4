using System.Buffers.Binary;
using System.Text;

namespace Bifrost.Ib.Wire;

/// <summary>
/// The one unframed message: <c>"API\0"</c> + 4-byte big-endian length + <c>v&lt;min&gt;..&lt;max&gt;</c> (no NUL), reference §2.1.
/// </summary>
public static class IbHandshake
{
    public static ReadOnlySpan<byte> Prefix => "API\0"u8;

    /// <summary>The client hello bytes, e.g. <c>41 50 49 00 00 00 00 09 "v100..193"</c>.</summary>
    public static byte[] ClientHello(int minVersion = IbProtocol.MinClientVersion, int maxVersion = IbProtocol.ServerVersion, string? options = null)
    {
        string text = minVersion == maxVersion ? $"v{minVersion}" : $"v{minVersion}..{maxVersion}";
        if (!string.IsNullOrEmpty(options)) text += " " + options;
        var bytes = new byte[8 + text.Length];
        Prefix.CopyTo(bytes);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), text.Length);
        Encoding.ASCII.GetBytes(text, bytes.AsSpan(8));
        return bytes;
    }

    /// <summary>
    /// Parses the offer <c>v&lt;min&gt;..&lt;max&gt;[ options]</c> or <c>v&lt;n&gt;</c>. False when it is not of that shape.
    /// </summary>
    public static bool TryParseVersionOffer(string text, out int min, out int max, out string options)
    {
        min = max = 0;
        options = string.Empty;
        int space = text.IndexOf(' ');
        if (space >= 0)
        {
            options = text[(space + 1)..];
            text = text[..space];
        }
        if (text.Length < 2 || text[0] != 'v') return false;
        var body = text.AsSpan(1);
        int dots = body.IndexOf("..");
        if (dots < 0)
        {
            if (!int.TryParse(body, System.Globalization.NumberStyles.None, null, out min)) return false;
            max = min;
            return true;
        }
        return int.TryParse(body[..dots], System.Globalization.NumberStyles.None, null, out min)
            && int.TryParse(body[(dots + 2)..], System.Globalization.NumberStyles.None, null, out max)
            && min <= max;
    }

    /// <summary>
    /// The server's choice (reference §2.2): min(offered max, own max), or null when that falls below the client's min or
    /// below 100 — the server then closes without a reply.
    /// </summary>
    public static int? NegotiateVersion(int clientMin, int clientMax, int serverMax)
    {
        int chosen = Math.Min(clientMax, serverMax);
        return chosen < clientMin || chosen < IbProtocol.MinClientVersion ? null : chosen;
    }
}
