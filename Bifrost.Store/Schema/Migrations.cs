namespace Bifrost.Store.Schema;

/// <summary>The schema's history, in order. Add a new file + a line here; never change an applied one.</summary>
internal static class Migrations
{
    public static readonly IReadOnlyList<Migration> All =
    [
        new(1, "initial", V0001Initial.Sql),
    ];

    public static int Latest => All[^1].Version;
}
