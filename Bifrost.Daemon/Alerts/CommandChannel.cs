using System.Diagnostics;

namespace Bifrost.Daemon.Alerts;

/// <summary>
/// Runs a program with the alert as JSON on stdin (no shell, no PATH lookup). Success is exit code 0 within the timeout;
/// at the timeout the program and its children are killed and the attempt fails. The end of its stderr is kept as the
/// reason of a failure. A program that exits but leaves a child holding its stdout/stderr fails too (its outcome is unknown).
/// </summary>
public sealed class CommandChannel(CommandNotifierSettings settings) : IAlertChannel
{
    public string Name => settings.Name;

    public async Task SendAsync(string json, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(settings.Command[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in settings.Command.Skip(1)) psi.ArgumentList.Add(a);
        psi.Environment["BIFROST_ALERT"] = "1";
        using var process = new Process { StartInfo = psi };
        try
        {
            if (!process.Start()) throw new DeliveryFailedException($"could not start {settings.Command[0]}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new DeliveryFailedException($"could not start {settings.Command[0]}: {e.Message}", e);
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(settings.Timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        try
        {
            try
            {
                await process.StandardInput.WriteAsync(json.AsMemory(), timeout.Token).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The program closed stdin without reading it all: its exit code decides.
            }
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw new DeliveryFailedException(ct.IsCancellationRequested
                ? "cancelled (daemon stopping); program killed"
                : $"timed out after {settings.Timeout.TotalSeconds:0.###} s; program killed");
        }
        try
        {
            await Task.WhenAll(stdout, stderr).WaitAsync(TimeSpan.FromSeconds(2), CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Something it started (`curl … &`) inherited the pipes: we cannot tell whether the page went out.
            throw new DeliveryFailedException($"exited {process.ExitCode} but kept stdout/stderr open (a background child?)");
        }
        if (process.ExitCode != 0)
            throw new DeliveryFailedException($"exit code {process.ExitCode}" + (Tail(stderr.Result) is { Length: > 0 } t ? $": {t}" : ""));
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(2000);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // already gone
        }
    }

    private static string Tail(string text)
    {
        var t = text.Trim().ReplaceLineEndings(" ");
        return t.Length <= 200 ? t : "…" + t[^200..];
    }
}
