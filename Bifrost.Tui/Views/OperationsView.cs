using System.Globalization;
using Bifrost.Tui.Model;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Bifrost.Tui.Views;

/// <summary>The operations list (newest first, the selection marked with &gt; as well as inverted) or one operation's detail.</summary>
internal static class OperationsView
{
    public static IRenderable Render(OperationsVm? ops, Viewport vp)
    {
        var w = vp.Width;
        if (ops is null) return Line.Of(w, "loading…", Styles.Dim);
        if (ops.Detail is { } detail) return Detail(detail, vp);

        var lines = new List<IRenderable>(vp.BodyRows);
        var where = ops.AtNewest ? "live" : "paused, Home: newest";
        lines.Add(new Line(w).Add("OPERATIONS ", Styles.Title).Add("kind ").Add(ops.KindFilter, Styles.Bold).Add("  range ")
            .Add(ops.TimeRange, Styles.Bold).Add($"  {ops.Total.ToString("#,0", CultureInfo.InvariantCulture)} matching, newest first, {where}", Styles.Dim)
            .Build());

        // The contract is what a trader reads first after the kind (a portfolio run trades twenty names): it gets its
        // longest shown name up to 20, and the order ref (in the detail anyway) only the width a readable reason leaves.
        const int time = 12, kind = 12, side = 4, qty = 6, price = 8, reference = 11, readable = 20;
        var contract = Math.Clamp(ops.Rows.Select(r => r.Contract.Length).DefaultIfEmpty(0).Max(), 8, 20);
        var detailWidth = Math.Max(4, w - 1 - time - kind - side - qty - contract - price - 6);
        var showRef = detailWidth - reference - 1 >= readable;
        if (showRef) detailWidth -= reference + 1;
        var header = new Line(w).Space().Cell(ops.Zone.Length > 0 ? $"time {ops.Zone}" : "time", time, Styles.Dim).Space().Cell("kind", kind, Styles.Dim).Space()
            .Cell("side", side, Styles.Dim).Space().Cell("qty", qty, Styles.Dim, right: true).Space().Cell("contract", contract, Styles.Dim).Space()
            .Cell("price", price, Styles.Dim, right: true).Space();
        if (showRef) header = header.Cell("ref", reference, Styles.Dim).Space();
        lines.Add(header.Cell("state / reason", detailWidth, Styles.Dim).Build());

        if (ops.Rows.Count == 0) lines.Add(Line.Of(w, " no operations match", Styles.Dim));
        for (var i = 0; i < ops.Rows.Count; i++)
        {
            var r = ops.Rows[i];
            var on = i == ops.Selected;
            var style = on ? Styles.Selected : KindStyle(r.Kind);
            var line = new Line(w).Add(on ? ">" : " ", on ? Styles.Bold : null).Cell(r.Time, time, style).Space(1).Cell(r.Kind, kind, style).Space()
                .Cell(r.Side, side, style).Space().Cell(r.Qty, qty, style, right: true).Space().Cell(r.Contract, contract, style).Space()
                .Cell(r.Price, price, style, right: true).Space();
            if (showRef) line = line.Cell(r.Ref, reference, style).Space();
            lines.Add(line.Cell(r.Detail, detailWidth, style).Build());
        }
        if (ops.HasOlder && lines.Count < vp.BodyRows) lines.Add(Line.Of(w, " ↓ older", Styles.Dim));
        return new Rows(lines);
    }

    private static IRenderable Detail(OperationDetailVm d, Viewport vp)
    {
        var w = vp.Width;
        var lines = new List<IRenderable> { new Line(w).Add($"OPERATION #{d.Id}", Styles.Title).Add("   Esc back · ↑↓ previous/next", Styles.Dim).Build() };
        const int label = 18;
        foreach (var (key, value) in d.Fields)
        {
            var chunks = Chunk(value, Math.Max(10, w - label - 1), key == "state / reason" ? 4 : 1);
            for (var i = 0; i < chunks.Count; i++)
                lines.Add(new Line(w).Cell(i == 0 ? key : "", label, Styles.Dim).Space().Add(chunks[i], key == "state / reason" ? Styles.Bold : null).Build());
        }
        if (d.Fills.Count > 0)
        {
            lines.Add(Line.Of(w, "FILLS", Styles.Title));
            lines.AddRange(d.Fills.Select(f => Line.Of(w, " " + f)));
        }
        return new Rows(lines);
    }

    private static List<string> Chunk(string text, int width, int maxLines)
    {
        var chunks = new List<string>();
        text = text.ReplaceLineEndings(" ");
        while (text.Length > 0 && chunks.Count < maxLines)
        {
            var take = chunks.Count == maxLines - 1 ? text.Length : Math.Min(width, text.Length);
            chunks.Add(text[..take]);
            text = text[take..];
        }
        return chunks.Count == 0 ? [""] : chunks;
    }

    private static Style? KindStyle(string kind) => kind switch
    {
        "fill" => Styles.Good,
        "reject" or "alert" or "risk_halt" or "anomaly" => new Style(Color.Red),
        "guard_block" or "cancel" => Styles.Warn,
        "control" or "control_done" => new Style(Color.Aqua),
        _ => null,
    };
}
