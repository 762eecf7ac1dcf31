using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Uip2p.Imaging;

namespace Uip2p.Data.Import;

/// <summary>
/// Streams a source format into the one dataset format: <c>records.jsonl</c> + <c>images/</c>, with every
/// row that cannot be imported in <c>rejects.jsonl</c> (shard, row, reason) and the totals in
/// <c>import-summary.json</c>. Images are checked with the decoder's limits (a full decode) and copied
/// byte for byte. Both JSONL files are append-only; finished shards are listed in
/// <c>import-progress.jsonl</c>, so a rerun skips them unread and continues a cut-off shard after its last
/// imported or rejected row.
/// </summary>
public sealed partial class DatasetImporter(IImportReader reader, string outputFolder, string source)
{
    public const string RejectsFile = "rejects.jsonl";
    public const string ProgressFile = "import-progress.jsonl";
    public const string StateFile = "import-state.json";
    public const string SummaryFile = "import-summary.json";

    public string Folder { get; } = Path.GetFullPath(outputFolder);

    /// <summary>Largest image accepted (width × height); the decoder's default unless set.</summary>
    public long? MaxPixels { get; init; }

    /// <summary>Stop after this many rows in this run (a sample); null for all.</summary>
    public long? Limit { get; init; }

    /// <summary>Called after each row batch and at the end of each shard.</summary>
    public Action<ImportProgress>? Progress { get; init; }

    /// <summary>Rows between progress reports.</summary>
    public int ReportEvery { get; init; } = 200;

    sealed record State(string Format, string Source);
    sealed record ShardDone(string Shard, long Rows);

    /// <summary>
    /// Checks that <paramref name="folder"/> is a new folder or one this same import (format and source)
    /// started, so that a rerun continues it and never mixes in another import or overwrites a dataset.
    /// </summary>
    public static void CheckOutput(string folder, string format, string source)
    {
        string full = Path.GetFullPath(folder);
        if (File.Exists(full)) throw new IOException($"--out {folder}: is a file; give a folder.");
        if (!Directory.Exists(full) || !Directory.EnumerateFileSystemEntries(full).Any()) return;
        string statePath = Path.Combine(full, StateFile);
        if (!File.Exists(statePath))
            throw new IOException($"--out {folder}: the folder is not empty and holds no import of ours ({StateFile} missing); choose a new folder.");
        var state = JsonSerializer.Deserialize<State>(File.ReadAllText(statePath))
                    ?? throw new InvalidDataException($"{statePath}: not a JSON object.");
        if (state.Format != format || state.Source != Path.GetFullPath(source))
            throw new IOException($"--out {folder}: holds an import of {state.Format} from {state.Source}; rerun with those, or choose a new folder.");
    }

    public async Task<ImportSummary> RunAsync(CancellationToken cancel = default)
    {
        CheckOutput(Folder, reader.Format, source);
        Directory.CreateDirectory(Folder);
        string statePath = Path.Combine(Folder, StateFile);
        if (!File.Exists(statePath))
            AtomicFile.WriteAllText(statePath, JsonSerializer.Serialize(new State(reader.Format, Path.GetFullPath(source))));

        string recordsPath = Path.Combine(Folder, EditDataset.RecordsFile);
        string rejectsPath = Path.Combine(Folder, RejectsFile);
        string progressPath = Path.Combine(Folder, ProgressFile);
        // Open the appenders first: they cut a torn last line, so what is read next is whole.
        using var records = new JsonlAppender(recordsPath);
        using var rejects = new JsonlAppender(rejectsPath);
        using var progress = new JsonlAppender(progressPath);

        var done = new HashSet<string>(StringComparer.Ordinal);
        long imported = 0, rejected = 0, flagged = 0;
        var reasons = new Dictionary<string, long>();
        foreach (string line in JsonlAppender.ReadLines(recordsPath))
        {
            var r = JsonSerializer.Deserialize<EditRecord>(line, EditDataset.RecordJson)!;
            done.Add(r.Id);
            imported++;
            if (r.Review is { Length: > 0 }) flagged++;
        }
        foreach (string line in JsonlAppender.ReadLines(rejectsPath))
        {
            var r = JsonSerializer.Deserialize<ImportReject>(line)!;
            done.Add(r.Id);
            rejected++;
            Count(reasons, r.Reason);
        }
        var finishedShards = JsonlAppender.ReadLines(progressPath).Select(l => JsonSerializer.Deserialize<ShardDone>(l)!.Shard).ToHashSet(StringComparer.Ordinal);

        var clock = Stopwatch.StartNew();
        long rowsThisRun = 0, bytesThisRun = 0, skipped = 0;
        var shards = reader.Shards;
        bool stopped = false;
        for (int s = 0; s < shards.Count && !stopped; s++)
        {
            string shard = shards[s];
            if (finishedShards.Contains(shard)) continue;
            long shardRows = 0;
            void Report() => Progress?.Invoke(new ImportProgress(shard, s, shards.Count, rowsThisRun, imported, rejected, bytesThisRun, clock.Elapsed.TotalSeconds));
            string lastRow = "";
            try
            {
                await foreach (var item in reader.ReadShardAsync(shard, cancel))
                {
                    cancel.ThrowIfCancellationRequested();
                    shardRows++;
                    lastRow = item.Row;
                    if (done.Contains(item.Id)) { skipped++; continue; }
                    if (Limit is { } limit && rowsThisRun >= limit) { stopped = true; break; }
                    rowsThisRun++;
                    var (record, reason, bytes) = Convert(item);
                    bytesThisRun += bytes;
                    done.Add(item.Id);
                    if (record != null)
                    {
                        records.Append(record, EditDataset.RecordJson);
                        imported++;
                        if (record.Review is { Length: > 0 }) flagged++;
                    }
                    else
                    {
                        rejects.Append(new ImportReject(item.Id, item.Shard, item.Row, reason!));
                        rejected++;
                        Count(reasons, reason!);
                    }
                    if (rowsThisRun % ReportEvery == 0) Report();
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A corrupt shard (bad footer, bad page) fails in the parquet library with assorted exception
                // types; the rows read so far stay imported and the rest of the shard is one reject line.
                string reason = $"unreadable shard: {Regex.Replace(e.Message, @"\s+", " ")} (after row '{lastRow}')";
                rejects.Append(new ImportReject($"{shard}#unreadable", shard, lastRow == "" ? "*" : $"after {lastRow}", reason));
                rejected++;
                Count(reasons, reason);
            }
            if (!stopped) progress.Append(new ShardDone(shard, shardRows));
            if (!stopped) finishedShards.Add(shard);
            Report();
        }

        double seconds = clock.Elapsed.TotalSeconds;
        var summary = new ImportSummary
        {
            Format = reader.Format,
            Source = Path.GetFullPath(source),
            Shards = shards.Count,
            ShardsDone = finishedShards.Count(shards.Contains),
            Imported = imported,
            Rejected = rejected,
            Flagged = flagged,
            RowsThisRun = rowsThisRun,
            SkippedAlreadyDone = skipped,
            Seconds = Math.Round(seconds, 3),
            RowsPerSecond = seconds > 0 ? Math.Round(rowsThisRun / seconds, 1) : 0,
            MegabytesPerSecond = seconds > 0 ? Math.Round(bytesThisRun / 1e6 / seconds, 2) : 0,
            Reasons = reasons,
        };
        AtomicFile.WriteAllText(Path.Combine(Folder, SummaryFile), JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
        return summary;
    }

    static void Count(Dictionary<string, long> reasons, string reason)
    {
        int colon = reason.IndexOf(':');
        string kind = colon > 0 ? reason[..colon] : reason;
        reasons[kind] = reasons.GetValueOrDefault(kind) + 1;
    }

    (EditRecord? Record, string? Reason, long Bytes) Convert(ImportItem item)
    {
        if (item.Problem != null) return (null, item.Problem, 0);
        if (item.InputImage == null) return (null, "missing field: no input image", 0);
        string dir = Path.Combine("images", SafeName(item.Shard));
        long bytes = 0;
        string? Save(ImageSource? image, string role, out string? problem)
        {
            problem = null;
            if (image == null) return null;
            byte[] data;
            try { data = image.Read(); }
            catch (IOException e) { problem = $"missing image: {role}: {e.Message}"; return null; }
            bytes += data.LongLength;
            string ext;
            try { ext = ImageIO.Validate(data, image.Name, MaxPixels).Extension; }
            catch (IOException e) { problem = $"undecodable image: {role}: {e.Message}"; return null; }
            string relative = Path.Combine(dir, $"{SafeName(item.Id)}-{role}{ext}");
            AtomicFile.WriteAllBytes(Path.Combine(Folder, relative), data);
            return relative.Replace('\\', '/');
        }
        // Validate every image before writing the record, so a half-valid row is a reject, not a record.
        string? input = Save(item.InputImage, "input", out string? p1);
        if (p1 != null) return (null, p1, bytes);
        string? edited = Save(item.EditedImage, "edited", out string? p2);
        if (p2 != null) return (null, p2, bytes);
        string? mask = Save(item.EditMask, "mask", out string? p3);
        if (p3 != null) return (null, p3, bytes);
        var review = item.Pending.Select(f => $"needs {f}").ToArray();
        var record = new EditRecord
        {
            Id = item.Id,
            InputImage = input!,
            InputCaption = item.InputCaption.Trim(),
            EditInstruction = item.EditInstruction.Trim(),
            EditedCaption = item.EditedCaption.Trim(),
            ReverseInstruction = item.ReverseInstruction.Trim(),
            EditedImage = edited,
            EditMask = mask,
            EditKind = item.EditKind,
            Session = item.Session,
            Turn = item.Turn,
            Origin = $"{reader.Format}:{item.Shard}#{item.Row}",
            Review = review.Length > 0 ? review : null,
        };
        return (record, null, bytes);
    }

    /// <summary>A shard or row name as one safe path segment.</summary>
    public static string SafeName(string name)
    {
        string stem = name.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) ? name[..^8] : name;
        string safe = Unsafe().Replace(stem, "_").Trim('_', '.');
        return safe.Length == 0 ? "_" : safe;
    }

    [GeneratedRegex(@"[^A-Za-z0-9_\-.]+")]
    private static partial Regex Unsafe();
}
