using System.Globalization;
using System.Text;

namespace Bifrost.Ib.Wire;

/// <summary>Text rules of reference §3.2: TWS escapes non-ASCII as <c>\uXXXX</c>; clients may only send printable ASCII.</summary>
public static class IbText
{
    public static string Unescape(string s)
    {
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 5 < s.Length && s[i + 1] == 'u' &&
                ushort.TryParse(s.AsSpan(i + 2, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
            {
                sb.Append((char)code);
                i += 5;
            }
            else
            {
                sb.Append(s[i]);
            }
        }
        return sb.ToString();
    }

    /// <summary>The escaped form TWS would send; used by the server side.</summary>
    public static string Escape(string s)
    {
        if (IsAscii(s)) return s;
        var sb = new StringBuilder(s.Length + 16);
        foreach (char c in s)
        {
            if (c < 0x80) sb.Append(c);
            else sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }

    /// <summary>What official clients allow in outgoing strings: printable ASCII plus TAB/LF/CR (client error 579 otherwise).</summary>
    public static bool IsClientSendable(string s)
    {
        foreach (char c in s)
        {
            if (c is '\t' or '\n' or '\r') continue;
            if (c < 0x20 || c > 0x7E) return false;
        }
        return true;
    }

    private static bool IsAscii(string s)
    {
        foreach (char c in s) if (c >= 0x80) return false;
        return true;
    }
}
