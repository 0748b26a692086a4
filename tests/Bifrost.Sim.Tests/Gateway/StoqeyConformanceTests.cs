using System.Diagnostics;
using System.Text.Json;
using Bifrost.Sim.Gateway;
using static Bifrost.Sim.Tests.Gateway.GatewayHarness;

namespace Bifrost.Sim.Tests.Gateway;

/// <summary>
/// Conformance with a TWS client nobody here wrote: tests/node/gateway-conformance.mjs drives the in-process gateway with
/// @stoqey/ib (pinned in tests/node/package.json) and prints a JSON summary that is asserted here. Needs Node and
/// `npm install` in tests/node.
/// </summary>
public class StoqeyConformanceTests
{
    [Fact]
    public async Task StoqeyIb_PositionsMarketDataMktFillLmtCancelExecutions()
    {
        var nodeDir = FindNodeDir();
        Assert.True(Directory.Exists(Path.Combine(nodeDir, "node_modules", "@stoqey", "ib")),
            $"@stoqey/ib is not installed: run `npm install` in {nodeDir}");
        var ledger = TempFile("ledger.jsonl");
        await using var gw = await ReplayGateway.StartAsync(new GatewayOptions
        {
            DataPath = DataPath, Port = 0, Speed = ReplaySpeed.Times(30), LedgerPath = ledger,
            SeedPositions = [new SeedPosition("XYZ", 300, 99.0)],
        });
        var expiry = gw.Contracts.All.Values.First(k => k.IsOption).ExpiryYyyymmdd.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var psi = new ProcessStartInfo("node", ["gateway-conformance.mjs", gw.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), expiry, "11"])
        {
            WorkingDirectory = nodeDir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        Process node;
        try
        {
            node = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("the conformance test needs `node` (≥ 18) on PATH", ex);
        }
        using var _ = node;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(45)))
        {
            try
            {
                await node.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                node.Kill(entireProcessTree: true);
                Assert.Fail($"the node conformance script timed out; stdout: {await stdout} stderr: {await stderr}");
            }
        }
        var lastLine = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault()
            ?? throw new InvalidOperationException($"no summary from node; stderr: {await stderr}");
        Assert.True(node.ExitCode == 0, $"node exited {node.ExitCode}: {lastLine}\n{await stderr}");
        var s = JsonDocument.Parse(lastLine).RootElement;

        Assert.Equal("done", s.GetProperty("step").GetString());
        Assert.Equal(193, s.GetProperty("serverVersion").GetInt32());
        Assert.StartsWith("DU", s.GetProperty("accounts").GetString());
        // no decoding trouble on stoqey's side: every error it saw is the expected 202
        Assert.All(s.GetProperty("errors").EnumerateArray(), e => Assert.Equal(202, e.GetProperty("code").GetInt32()));
        Assert.Contains(s.GetProperty("infos").EnumerateArray(), i => i.GetProperty("code").GetInt32() == 2104);

        var position = Assert.Single(s.GetProperty("positions").EnumerateArray());
        Assert.Equal(("XYZ", 300, 99.0), (position.GetProperty("symbol").GetString(), position.GetProperty("pos").GetInt32(), position.GetProperty("avgCost").GetDouble()));

        var stock = s.GetProperty("stock");
        Assert.True(stock.GetProperty("ask").GetDouble() > stock.GetProperty("bid").GetDouble());
        var model = s.GetProperty("option").GetProperty("model");
        Assert.InRange(model.GetProperty("delta").GetDouble(), 0.01, 0.99);
        Assert.InRange(model.GetProperty("iv").GetDouble(), 0.05, 2.0);
        Assert.True(model.GetProperty("undPrice").GetDouble() > 50);

        var mkt = s.GetProperty("mkt");
        var statuses = mkt.GetProperty("statuses").EnumerateArray().Select(x => x.GetString()).ToList();
        Assert.Equal("Filled", statuses[^1]);
        Assert.True(mkt.GetProperty("permId").GetInt64() > int.MaxValue);
        var execId = Assert.Single(mkt.GetProperty("execIds").EnumerateArray()).GetString();
        Assert.Equal(execId, mkt.GetProperty("commissions")[0].GetProperty("execId").GetString());

        var lmt = s.GetProperty("lmt");
        Assert.Equal("Cancelled", lmt.GetProperty("statuses").EnumerateArray().Last().GetString());
        Assert.Equal(202, lmt.GetProperty("cancelCode").GetInt32());

        var execution = Assert.Single(s.GetProperty("executions").EnumerateArray());
        Assert.Equal((execId, 11, "BOT", "node-mkt"), (execution.GetProperty("execId").GetString(), execution.GetProperty("clientId").GetInt32(),
            execution.GetProperty("side").GetString(), execution.GetProperty("orderRef").GetString()));

        // the ledger agrees with what the client saw
        var entries = GatewayLedger.Read(ledger);
        Assert.Equal(["order", "fill", "commission", "order", "cancel"], entries.Select(e => e.Type));
        Assert.Equal(execId, entries[1].ExecId);
        Assert.Equal(mkt.GetProperty("avgFillPrice").GetDouble(), entries[1].AvgPrice);
        var updated = s.GetProperty("positionUpdates").EnumerateArray().Last();
        Assert.Equal(400, updated.GetProperty("pos").GetInt32());
    }

    private static string FindNodeDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "node");
            if (File.Exists(Path.Combine(candidate, "gateway-conformance.mjs"))) return candidate;
        }
        throw new InvalidOperationException("tests/node/gateway-conformance.mjs not found above " + AppContext.BaseDirectory);
    }
}
