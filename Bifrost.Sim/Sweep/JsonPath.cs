using System.Text.Json.Nodes;
using Bifrost.Sim.Backtest;

namespace Bifrost.Sim.Sweep;

/// <summary>Addresses one value of a JSON document by a dotted path with array indices, e.g.
/// <c>strategy.rules[0].half_width</c>, and replaces it. The key or index before the last must exist; the last key may
/// be new (an optional setting the base config leaves at its default).</summary>
public static class JsonPath
{
    public static void Set(JsonNode root, string path, JsonNode? value)
    {
        var steps = Parse(path);
        var node = root;
        for (var i = 0; i < steps.Count - 1; i++)
            node = Child(node, steps[i], path) ?? throw new BacktestConfigException($"sweep path '{path}': {Describe(steps, i)} does not exist in the base config");
        switch (steps[^1], node)
        {
            case (string key, JsonObject o):
                o[key] = value;
                break;
            case (int index, JsonArray a) when index < a.Count:
                a[index] = value;
                break;
            default:
                throw new BacktestConfigException($"sweep path '{path}': {Describe(steps, steps.Count - 1)} cannot be set (the parent is not an object/array, or the index is out of range)");
        }
    }

    public static JsonNode? Get(JsonNode root, string path)
    {
        JsonNode? node = root;
        foreach (var step in Parse(path))
        {
            if (node is null) return null;
            node = Child(node, step, path);
        }
        return node;
    }

    /// <summary>Whether the path names a value present in the document (a JSON null counts as present).</summary>
    public static bool Exists(JsonNode root, string path)
    {
        JsonNode? node = root;
        foreach (var step in Parse(path))
        {
            switch (step, node)
            {
                case (string key, JsonObject o) when o.ContainsKey(key):
                    node = o[key];
                    break;
                case (int index, JsonArray a) when index < a.Count:
                    node = a[index];
                    break;
                default:
                    return false;
            }
        }
        return true;
    }

    private static JsonNode? Child(JsonNode node, object step, string path) => (step, node) switch
    {
        (string key, JsonObject o) => o[key],
        (int index, JsonArray a) => index < a.Count ? a[index] : null,
        _ => null,
    };

    private static string Describe(List<object> steps, int upTo) =>
        string.Concat(steps.Take(upTo + 1).Select((s, i) => s is int n ? $"[{n}]" : (i == 0 ? (string)s : "." + s)));

    /// <summary>Splits <c>a.b[2].c</c> into ["a", "b", 2, "c"].</summary>
    public static List<object> Parse(string path)
    {
        var steps = new List<object>();
        var i = 0;
        if (string.IsNullOrWhiteSpace(path)) throw new BacktestConfigException("sweep path: must not be empty");
        while (i < path.Length)
        {
            if (path[i] == '[')
            {
                var close = path.IndexOf(']', i);
                if (close < 0 || !int.TryParse(path.AsSpan(i + 1, close - i - 1), out var index) || index < 0)
                    throw new BacktestConfigException($"sweep path '{path}': bad index at position {i}");
                steps.Add(index);
                i = close + 1;
                if (i < path.Length && path[i] == '.') i++;
            }
            else
            {
                var end = i;
                while (end < path.Length && path[end] != '.' && path[end] != '[') end++;
                if (end == i) throw new BacktestConfigException($"sweep path '{path}': empty key at position {i}");
                steps.Add(path[i..end]);
                i = end < path.Length && path[end] == '.' ? end + 1 : end;
            }
        }
        return steps;
    }
}
