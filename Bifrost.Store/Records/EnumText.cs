using System.Text;

namespace Bifrost.Store.Records;

/// <summary>
/// enum ⇄ snake_case text ("ControlDone" ⇄ "control_done"). Tables are built once per enum so writes on the batch path
/// do not allocate strings.
/// </summary>
public static class EnumText<T> where T : struct, Enum
{
    private static readonly T[] Values = Enum.GetValues<T>();
    private static readonly string[] Texts = Values.Select(v => ToSnake(v.ToString())).ToArray();
    private static readonly Dictionary<string, T> ByText = Values.Zip(Texts).ToDictionary(p => p.Second, p => p.First);

    /// <summary>All values as stored, e.g. for a CHECK constraint or a filter list.</summary>
    public static IReadOnlyList<string> All => Texts;

    public static string ToText(T value)
    {
        var i = Array.IndexOf(Values, value);
        return i >= 0 ? Texts[i] : throw new ArgumentOutOfRangeException(nameof(value), value, $"not a {typeof(T).Name}");
    }

    public static T Parse(string text) =>
        ByText.TryGetValue(text, out var v)
            ? v
            : throw new FormatException($"'{text}' is not a stored {typeof(T).Name} (expected one of {string.Join(", ", Texts)})");

    /// <summary>SQL list for CHECK (col IN (...)): 'a','b',…</summary>
    internal static string SqlList => string.Join(",", Texts.Select(t => $"'{t}'"));

    private static string ToSnake(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) sb.Append('_');
            sb.Append(char.ToLowerInvariant(name[i]));
        }
        return sb.ToString();
    }
}
