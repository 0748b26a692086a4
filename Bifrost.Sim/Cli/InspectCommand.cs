using System.CommandLine;
using Bifrost.Parquet;
using Bifrost.Parquet.Inspect;
using Bifrost.Store.Files;

namespace Bifrost.Sim.Cli;

/// <summary>`bifrost-sim inspect FILE [--json]`: schema, row groups and per-column statistics of a Parquet file.</summary>
public static class InspectCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "Parquet file" };
        var json = new Option<bool>("--json") { Description = "print JSON instead of text" };
        var cmd = new Command("inspect", "Show a Parquet file's schema, encodings, codecs, row groups and per-column null count, min, max and sum.") { file, json };
        cmd.SetAction(r =>
        {
            var path = r.GetValue(file)!.FullName;
            if (!File.Exists(path)) return GenerateCommand.Fail($"no such file: {path}");
            // A named pipe's open waits for a writer: refused before it is opened.
            if (RegularFile.Problem(path) is { } notAFile) return GenerateCommand.Fail($"FILE: {notAFile}");
            try
            {
                var inspection = ParquetInspector.Inspect(path);
                Console.WriteLine(r.GetValue(json) ? InspectionRenderer.ToJson(inspection) : InspectionRenderer.ToText(inspection));
                return 0;
            }
            catch (ParquetException e)
            {
                return GenerateCommand.Fail(e.Message);
            }
        });
        return cmd;
    }
}
