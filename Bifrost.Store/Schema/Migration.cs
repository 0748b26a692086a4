namespace Bifrost.Store.Schema;

/// <summary>One numbered schema step. Versions are 1, 2, 3… with no gaps; a released migration is never edited.</summary>
internal sealed record Migration(int Version, string Name, string Sql);
