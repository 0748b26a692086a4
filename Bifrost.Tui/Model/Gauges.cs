using System.Text;
using Bifrost.Store.Records;

namespace Bifrost.Tui.Model;

/// <summary>How close a risk limit is: under the near threshold, near it, or at/over it.</summary>
internal enum LimitLevel { Ok, Near, Breached }

/// <summary>Where net delta sits in the hedge band, with a text bar: <c>[──┼──█──]</c>; <c>&lt;</c>/<c>&gt;</c> mark delta outside.</summary>
internal sealed record BandGauge(double Lower, double Upper, double Target, double Delta, bool Inside, string Bar);

/// <summary>A risk limit's use: value / limit as a fraction, its level and a text bar.</summary>
internal sealed record LimitGauge(string Name, double Value, double Limit, double Fraction, LimitLevel Level, string Bar);

/// <summary>The text bars of the dashboard. Pure and fixed-width, so they render the same with or without colour.</summary>
internal static class Gauges
{
    /// <summary>Fraction of a limit from which it is shown as near (the sample config's risk.near_fraction).</summary>
    public const double NearFraction = 0.8;

    public static BandGauge Band(HedgeBand band, double delta, int width = 21)
    {
        var inner = Math.Max(3, width - 2);
        var span = band.Upper - band.Lower;
        var cells = new char[inner];
        Array.Fill(cells, '─');
        int Cell(double v) => span <= 0 ? inner / 2 : (int)Math.Round((v - band.Lower) / span * (inner - 1));
        var target = Math.Clamp(Cell(band.Target), 0, inner - 1);
        cells[target] = '┼';
        var inside = delta >= band.Lower && delta <= band.Upper;
        var sb = new StringBuilder(width);
        if (inside)
        {
            cells[Math.Clamp(Cell(delta), 0, inner - 1)] = '█';
            sb.Append('[').Append(cells).Append(']');
        }
        else if (delta < band.Lower)
        {
            sb.Append('<').Append(cells).Append(']');
        }
        else
        {
            sb.Append('[').Append(cells).Append('>');
        }
        return new BandGauge(band.Lower, band.Upper, band.Target, delta, inside, sb.ToString());
    }

    public static LimitGauge Limit(LimitUsage usage, int width = 10)
    {
        var fraction = usage.Limit == 0 ? (usage.Value == 0 ? 0 : double.PositiveInfinity) : Math.Abs(usage.Value / usage.Limit);
        var level = fraction >= 1 ? LimitLevel.Breached : fraction >= NearFraction ? LimitLevel.Near : LimitLevel.Ok;
        var filled = (int)Math.Round(Math.Min(1, fraction) * width);
        var bar = new string('█', filled) + new string('░', width - filled);
        return new LimitGauge(usage.Name, usage.Value, usage.Limit, fraction, level, bar);
    }
}
