using System.Text;
using System.Text.Json;
using Uip2p.Imaging;

namespace Uip2p.Data;

/// <summary>A record that failed validation: names the file and line.</summary>
public sealed class DatasetRecordException(string path, int line, string reason, Exception? inner = null)
    : IOException($"{path}, line {line}: {reason}", inner)
{
    public string Path { get; } = path;
    public int Line { get; } = line;
}

/// <summary>
/// A dataset folder: <c>records.jsonl</c> (one <see cref="EditRecord"/> per line) plus the images it names.
/// Reading streams the file and validates each record as it comes (required texts non-empty, image files
/// present inside the folder), naming the line of a bad one.
/// </summary>
public sealed class EditDataset
{
    public const string RecordsFile = "records.jsonl";

    static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The serializer settings of records.jsonl (nulls left out), for writers of the format.</summary>
    public static JsonSerializerOptions RecordJson => Json;

    public EditDataset(string folder, string recordsFile = RecordsFile)
    {
        Folder = Path.GetFullPath(folder);
        RecordsPath = Path.Combine(Folder, recordsFile);
        if (!Directory.Exists(Folder)) throw new DirectoryNotFoundException($"{folder}: no such dataset folder.");
        if (!File.Exists(RecordsPath)) throw new FileNotFoundException($"{RecordsPath}: the dataset has no {recordsFile}.", RecordsPath);
    }

    public string Folder { get; }
    public string RecordsPath { get; }

    /// <summary>When true, ground-truth images (edited_image) are required too (supervised training).</summary>
    public bool RequireGroundTruth { get; init; }

    /// <summary>
    /// When true, records flagged for review (<see cref="EditRecord.Review"/>) are returned too, with
    /// their texts unchecked (they may still be waiting for generation). Off by default: flagged
    /// records are not trained on.
    /// </summary>
    public bool IncludeFlagged { get; init; }

    /// <summary>Flagged records the last <see cref="Read"/> skipped.</summary>
    public int SkippedFlagged { get; private set; }

    /// <summary>Streams the records with their line numbers, validating each.</summary>
    public IEnumerable<(int Line, EditRecord Record)> Read()
    {
        using var reader = new StreamReader(RecordsPath, Encoding.UTF8);
        int line = 0;
        var ids = new HashSet<string>();
        SkippedFlagged = 0;
        string? text;
        while ((text = reader.ReadLine()) != null)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            EditRecord? record;
            try
            {
                record = JsonSerializer.Deserialize<EditRecord>(text, Json);
            }
            catch (JsonException e)
            {
                throw new DatasetRecordException(RecordsPath, line, $"not valid JSON ({e.Message.Split('.')[0]}).", e);
            }
            if (record == null) throw new DatasetRecordException(RecordsPath, line, "not a JSON object.");
            bool flagged = record.Review is { Length: > 0 };
            if (flagged && !IncludeFlagged)
            {
                SkippedFlagged++;
                continue;
            }
            Validate(record, line, checkTexts: !flagged);
            if (!ids.Add(record.Id)) throw new DatasetRecordException(RecordsPath, line, $"duplicate id '{record.Id}'.");
            yield return (line, record);
        }
    }

    /// <summary>All records (validated) in order.</summary>
    public List<EditRecord> ReadAll() => Read().Select(r => r.Record).ToList();

    void Validate(EditRecord r, int line, bool checkTexts)
    {
        foreach (var (name, value) in new[] { ("id", r.Id), ("input_image", r.InputImage), ("input_caption", r.InputCaption),
                     ("edit_instruction", r.EditInstruction), ("edited_caption", r.EditedCaption), ("reverse_instruction", r.ReverseInstruction) })
            if ((checkTexts || name is "id" or "input_image") && string.IsNullOrWhiteSpace(value)) throw new DatasetRecordException(RecordsPath, line, $"'{name}' is missing or empty.");
        if (RequireGroundTruth && string.IsNullOrWhiteSpace(r.EditedImage))
            throw new DatasetRecordException(RecordsPath, line, "'edited_image' (the ground truth) is required for supervised training.");
        foreach (var (name, path) in new[] { ("input_image", r.InputImage), ("edited_image", r.EditedImage), ("edited_image_clean", r.EditedImageClean), ("edit_mask", r.EditMask) })
        {
            if (path == null) continue;
            string full = Path.GetFullPath(Path.Combine(Folder, path));
            if (!full.StartsWith(Folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new DatasetRecordException(RecordsPath, line, $"'{name}' = '{path}' points outside the dataset folder.");
            if (!File.Exists(full)) throw new DatasetRecordException(RecordsPath, line, $"'{name}' file '{path}' does not exist.");
        }
    }

    /// <summary>Absolute path of a record's image path.</summary>
    public string Resolve(string relative) => Path.Combine(Folder, relative);

    /// <summary>Loads a record's image as <c>[1,3,H,W]</c> in [0,1], naming the record on failure.</summary>
    public TorchSharp.torch.Tensor LoadImage(string relative) => ImageIO.Load(Resolve(relative));

    /// <summary>Writes records as JSONL atomically.</summary>
    public static void WriteRecords(string path, IEnumerable<EditRecord> records)
    {
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
            foreach (var r in records) writer.WriteLine(JsonSerializer.Serialize(r, Json));
        });
    }
}
