using System.Text;

namespace Bifrost.Store.Files;

/// <summary>
/// Reads an operator-named text file bounded in size and in time. A size check on the file's length is not enough: a
/// device (<c>/dev/zero</c>, or a link to it) reports length 0 and reads forever (the daemon grew to 4 GB), and a named
/// pipe blocks the open until a writer comes (a check-config that never answers; a directory watch on the engine's
/// clock that stopped it: DAEMON SILENT). So at most <c>maxBytes</c> + 1 bytes are read, off the caller's thread, and a
/// read that has not finished in <see cref="Timeout"/> is refused (its thread is left to the pipe).
/// </summary>
public static class BoundedFile
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <summary>The file's text, or why it cannot be used (never throws).</summary>
    /// <remarks>The read runs on a thread of its own, never the thread pool: callers read from inside pool work (a
    /// sweep's parallel runs), and a starved pool would not start the read within the timeout, refusing a good file.</remarks>
    public static (string? Text, string? Error) Read(string path, int maxBytes)
    {
        byte[]? bytes = null;
        int length = 0;
        Exception? failure = null;
        var done = new ManualResetEventSlim();
        var reader = new Thread(() =>
        {
            try
            {
                using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
                var buffer = new byte[maxBytes + 1];
                int n = 0, r;
                while (n < buffer.Length && (r = fs.Read(buffer, n, buffer.Length - n)) > 0) n += r;
                (bytes, length) = (buffer, n);
            }
            catch (Exception e) { failure = e; }
            finally { done.Set(); }
        }) { IsBackground = true, Name = "bounded-file-read" };
        reader.Start();
        if (!done.Wait(Timeout))
            return (null, $"'{path}' gave nothing to read within {Timeout.TotalSeconds:N0} s: not a regular file (a pipe or a device?)");
        done.Dispose();
        if (failure is not null)
            return (null, $"cannot read '{path}': {failure.Message}");
        if (length > maxBytes)
            return (null, $"'{path}' is more than {maxBytes} bytes");
        using var text = new StreamReader(new MemoryStream(bytes!, 0, length), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return (text.ReadToEnd(), null);
    }
}
