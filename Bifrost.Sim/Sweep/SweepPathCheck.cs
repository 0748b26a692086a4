using Bifrost.Sim.Backtest;

namespace Bifrost.Sim.Sweep;

/// <summary>Checks a sweep's parameter paths against the base config before any run: a path that names nothing (a typo,
/// an index past the end) would otherwise make every run fail and the sweep still exit 0.</summary>
public static class SweepPathCheck
{
    public static void Check(SweepSpec spec, string configText)
    {
        var baseConfig = SweepSpec.ParseConfig(configText);
        for (var i = 0; i < spec.Parameters.Count; i++)
        {
            var p = spec.Parameters[i];
            if (JsonPath.Exists(baseConfig, p.Path)) continue;
            // Absent keys are allowed (an optional setting the base leaves at its default) if the config accepts them:
            // set the first value alone and parse, so a misspelt key is refused by the engine's own parser.
            var doc = baseConfig.DeepClone();
            try
            {
                JsonPath.Set(doc, p.Path, p.Values is { } v ? v[0]?.DeepClone() : p.FromUnit(0));
                BacktestSetup.FromJson(doc.ToJsonString());
            }
            catch (BacktestConfigException e)
            {
                throw new BacktestConfigException($"parameters[{i}].path '{p.Path}': not in the base config, and it cannot be set there: {e.Message}");
            }
        }
    }
}
