namespace Bifrost.Ib.Messages.Model;

/// <summary>
/// An order condition as raw fields after its type and conjunction (reference §5.4 conditional list). We do not place
/// conditional orders; keeping the raw fields lets openOrder of manual orders decode and re-encode losslessly.
/// </summary>
public sealed record IbOrderCondition(int Type, string Conjunction, IReadOnlyList<string> Fields)
{
    /// <summary>Fields after (type, conjunction) per condition type: 1 price, 3 time, 4 margin, 5 execution, 6 volume, 7 percent change.</summary>
    public static int FieldCountOf(int type) => type switch
    {
        1 => 5,
        3 => 2,
        4 => 2,
        5 => 3,
        6 => 4,
        7 => 4,
        _ => -1,
    };

    public bool Equals(IbOrderCondition? other) =>
        other is not null && Type == other.Type && Conjunction == other.Conjunction && Fields.SequenceEqual(other.Fields);

    public override int GetHashCode() => HashCode.Combine(Type, Conjunction, Fields.Count);
}
