using System.Text;
using System.Text.Json;

namespace Uip2p;

/// <summary>
/// An append-only JSON Lines file that survives being killed: each line is written whole and flushed, and
/// on opening, a torn last line (a write cut off by a crash, no newline after it) is cut off, since it was
/// never a complete entry. Nothing before it is touched.
/// </summary>
public sealed class JsonlAppender : IDisposable
{
    readonly FileStream _stream;
    readonly object _gate = new();

    public JsonlAppender(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _stream = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        CutTornTail(_stream);
        _stream.Seek(0, SeekOrigin.End);
    }

    public string Path { get; }

    /// <summary>Appends one value as one line and flushes it to the OS (thread-safe).</summary>
    public void Append<T>(T value, JsonSerializerOptions? options = null)
    {
        byte[] line = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(value, options) + "\n");
        lock (_gate)
        {
            _stream.Write(line);
            _stream.Flush();
        }
    }

    /// <summary>The complete lines of a file written this way (none when it does not exist).</summary>
    public static IEnumerable<string> ReadLines(string path)
    {
        if (!File.Exists(path)) yield break;
        using var reader = new StreamReader(path, Encoding.UTF8);
        string? pending = null;
        string? line;
        while ((line = reader.ReadLine()) != null)
        {
            if (pending != null) yield return pending;
            pending = line;
        }
        // The last line counts only when the file ends with a newline (otherwise it is torn).
        if (pending != null && EndsWithNewline(path)) yield return pending;
    }

    static bool EndsWithNewline(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (fs.Length == 0) return false;
        fs.Seek(-1, SeekOrigin.End);
        return fs.ReadByte() == '\n';
    }

    static void CutTornTail(FileStream fs)
    {
        if (fs.Length == 0) return;
        long pos = fs.Length;
        var one = new byte[1];
        while (pos > 0)
        {
            fs.Seek(pos - 1, SeekOrigin.Begin);
            fs.ReadExactly(one);
            if (one[0] == '\n') break;
            pos--;
        }
        if (pos != fs.Length) fs.SetLength(pos);
    }

    public void Dispose() => _stream.Dispose();
}
