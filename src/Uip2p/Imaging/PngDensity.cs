using System.Buffers.Binary;
using System.Text;

namespace Uip2p.Imaging;

/// <summary>
/// The physical resolution of a PNG (its pHYs chunk). Skia's encoder writes none, and LaTeX and Word
/// then place an image at 72 or 96 dpi instead of its intended printed size.
/// </summary>
public static class PngDensity
{
    const double MetresPerInch = 0.0254;
    static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>A copy of <paramref name="png"/> whose pHYs chunk (right after IHDR) says <paramref name="dpi"/>.</summary>
    public static byte[] WithDpi(byte[] png, double dpi)
    {
        if (!(double.IsFinite(dpi) && dpi > 0)) throw new ArgumentOutOfRangeException(nameof(dpi), dpi, $"dpi must be positive; got {dpi}.");
        var chunks = Chunks(png).Where(c => c.Type != "pHYs").ToList();
        if (chunks.Count == 0 || chunks[0].Type != "IHDR") throw new InvalidDataException("Not a PNG: no IHDR chunk first.");
        uint perMetre = (uint)Math.Round(dpi / MetresPerInch);
        var data = new byte[9];
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(0), perMetre);
        BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(4), perMetre);
        data[8] = 1;   // unit: metre

        using var output = new MemoryStream(png.Length + 21);
        output.Write(Signature);
        for (int i = 0; i < chunks.Count; i++)
        {
            output.Write(png.AsSpan(chunks[i].Start, chunks[i].Length));
            if (i == 0) WriteChunk(output, "pHYs", data);
        }
        return output.ToArray();
    }

    /// <summary>The dpi a PNG's pHYs chunk records (its horizontal one), or null without one or without a unit.</summary>
    public static double? ReadDpi(byte[] png)
    {
        foreach (var c in Chunks(png))
            if (c.Type == "pHYs" && c.Length == 21 && png[c.Start + 16] == 1)
                return BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(c.Start + 8)) * MetresPerInch;
        return null;
    }

    /// <summary>Each chunk's type, start and length (length field, type, data and CRC).</summary>
    static IEnumerable<(string Type, int Start, int Length)> Chunks(byte[] png)
    {
        if (png.Length < Signature.Length || !png.AsSpan(0, Signature.Length).SequenceEqual(Signature))
            throw new InvalidDataException("Not a PNG: bad signature.");
        int at = Signature.Length;
        while (at + 12 <= png.Length)
        {
            long length = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at));
            if (at + 12 + length > png.Length) throw new InvalidDataException($"Truncated PNG chunk at byte {at}.");
            string type = Encoding.ASCII.GetString(png, at + 4, 4);
            yield return (type, at, (int)length + 12);
            at += (int)length + 12;
            if (type == "IEND") yield break;
        }
    }

    static void WriteChunk(Stream s, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)data.Length);
        s.Write(word);
        byte[] typeAndData = [.. Encoding.ASCII.GetBytes(type), .. data];
        s.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(typeAndData));
        s.Write(word);
    }

    static readonly uint[] CrcTable = Enumerable.Range(0, 256).Select(n =>
    {
        uint c = (uint)n;
        for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    }).ToArray();

    /// <summary>The CRC-32 of PNG chunks (ISO 3309, as in zlib).</summary>
    static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in bytes) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }
}
