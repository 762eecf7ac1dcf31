namespace Uip2p.Imaging;

/// <summary>An image file could not be read: names the file and what was wrong with it.</summary>
public sealed class ImageDecodeException(string path, string reason, Exception? inner = null)
    : IOException($"{path}: {reason}", inner)
{
    /// <summary>The file that failed.</summary>
    public string Path { get; } = path;
}
