namespace Uip2p.Data.Import;

/// <summary>
/// Caption datasets (CC3M/CC12M style) have an image and one caption; the edit instruction, edited
/// caption and reverse instruction are generated (<c>uip2p data triplets</c>), so their records are
/// flagged until then. A file is a TSV (<c>Train_GCC-training.tsv</c>); a folder is img2dataset output.
/// </summary>
public static class CaptionReaders
{
    public static IImportReader Open(string input, string? images)
    {
        string full = Path.GetFullPath(input);
        if (File.Exists(full)) return new CaptionTsvReader(full, images);
        if (Directory.Exists(full))
        {
            if (images != null) throw new ArgumentException($"--images {images}: only for a caption TSV; an img2dataset folder has its images inside.");
            return new Img2DatasetReader(full);
        }
        throw new FileNotFoundException($"--in {input}: no such file or folder.");
    }

    internal static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".webp", ".bmp"];

    internal static readonly string[] Pending = ["edit_instruction", "edited_caption", "reverse_instruction"];
}
