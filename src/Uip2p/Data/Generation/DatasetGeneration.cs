using System.Text;
using System.Text.Json;

namespace Uip2p.Data.Generation;

/// <summary>
/// Generation on a dataset folder: picks the records a task needs (in records.jsonl order, skipping those
/// with an answer in <c>generated/&lt;task&gt;.jsonl</c>), runs the offline rules or a chat model, and merges
/// the answers back into records.jsonl (rewritten atomically; texts already there are never replaced).
/// Merged records get the text checks (<see cref="TextChecks"/>): a failure leaves a review flag, and
/// flagged records are not trained on.
/// </summary>
public sealed class DatasetGeneration
{
    public DatasetGeneration(string folder, GenerationTask task)
    {
        Folder = Path.GetFullPath(folder);
        Task = task;
        RecordsPath = Path.Combine(Folder, EditDataset.RecordsFile);
        if (!File.Exists(RecordsPath)) throw new FileNotFoundException($"--data {folder}: no {EditDataset.RecordsFile} there.", RecordsPath);
    }

    public string Folder { get; }
    public GenerationTask Task { get; }
    public string RecordsPath { get; }
    public string OutputPath => Path.Combine(Folder, "generated", $"{Task.Name}.jsonl");
    public string FailuresPath => Path.Combine(Folder, "generated", $"{Task.Name}.failures.jsonl");
    public string ReportPath => Path.Combine(Folder, "generated", $"{Task.Name}-report.json");

    IEnumerable<EditRecord> Records()
    {
        int line = 0;
        foreach (string text in JsonlAppender.ReadLines(RecordsPath))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            EditRecord? r;
            try { r = JsonSerializer.Deserialize<EditRecord>(text, EditDataset.RecordJson); }
            catch (JsonException e) { throw new DatasetRecordException(RecordsPath, line, $"not valid JSON ({e.Message.Split('.')[0]}).", e); }
            yield return r ?? throw new DatasetRecordException(RecordsPath, line, "not a JSON object.");
        }
    }

    /// <summary>Ids that already have an answer.</summary>
    public HashSet<string> DoneIds() =>
        JsonlAppender.ReadLines(OutputPath).Select(l => JsonSerializer.Deserialize<GeneratedText>(l)!.Id).ToHashSet(StringComparer.Ordinal);

    /// <summary>The work still to do, streamed; <paramref name="mix"/> deals edit kinds over every record the task applies to.</summary>
    public IEnumerable<GenerationRequest> Pending(HashSet<string> done, EditKinds? mix = null)
    {
        using var kinds = (mix ?? EditKinds.Uniform).Deal().GetEnumerator();
        foreach (var r in Records())
        {
            if (!Task.Needs(r)) continue;
            string? kind = null;
            if (Task == GenerationTask.Triplets) { kinds.MoveNext(); kind = kinds.Current; }
            if (done.Contains(r.Id)) continue;
            yield return new GenerationRequest(r.Id, Task.Variables(r, kind), kind);
        }
    }

    /// <summary>The offline rules on every pending record (reverse only); returns how many each pattern inverted or not.</summary>
    public Dictionary<string, (long Inverted, long NotInverted)> RunRules(HashSet<string> done)
    {
        if (Task != GenerationTask.Reverse) throw new ArgumentException("--method rules: only for data reverse; triplets need a model (--endpoint).");
        var coverage = new Dictionary<string, (long, long)>();
        using var output = new JsonlAppender(OutputPath);
        foreach (var request in Pending(done))
        {
            var result = RuleReverser.Reverse(request.Values["input_caption"], request.Values["edit_instruction"]);
            output.Append(new GeneratedText
            {
                Id = request.Id, Task = Task.Name, Method = "rules", Pattern = result.Pattern,
                ReverseInstruction = result.Reverse, NotInverted = result.Reason,
            });
            var (inv, not) = coverage.GetValueOrDefault(result.Pattern);
            coverage[result.Pattern] = result.Inverted ? (inv + 1, not) : (inv, not + 1);
        }
        return coverage;
    }

    /// <summary>What a merge changed.</summary>
    public sealed record MergeSummary(long Records, long Filled, long Ready, long Flagged, Dictionary<string, long> Flags);

    /// <summary>Merges the answers into records.jsonl (atomic rewrite) and rechecks the merged records.</summary>
    public MergeSummary Merge()
    {
        var answers = new Dictionary<string, GeneratedText>(StringComparer.Ordinal);
        foreach (string line in JsonlAppender.ReadLines(OutputPath))
        {
            var g = JsonSerializer.Deserialize<GeneratedText>(line)!;
            answers.TryAdd(g.Id, g);
        }
        long records = 0, filled = 0, ready = 0, flagged = 0;
        var flags = new Dictionary<string, long>();
        AtomicFile.Write(RecordsPath, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true);
            foreach (var original in Records())
            {
                records++;
                var r = original;
                if (answers.TryGetValue(r.Id, out var g))
                {
                    r = Apply(r, g);
                    if (r != original) filled++;
                }
                if (r.Review is { Length: > 0 })
                {
                    flagged++;
                    foreach (string f in r.Review) { string key = f.Split(':')[0]; flags[key] = flags.GetValueOrDefault(key) + 1; }
                }
                else ready++;
                writer.WriteLine(JsonSerializer.Serialize(r, EditDataset.RecordJson));
            }
        });
        return new MergeSummary(records, filled, ready, flagged, flags);
    }

    static string Fill(string current, string? generated) => string.IsNullOrWhiteSpace(current) && !string.IsNullOrWhiteSpace(generated) ? generated.Trim() : current;

    static EditRecord Apply(EditRecord r, GeneratedText g)
    {
        var updated = r with
        {
            EditInstruction = Fill(r.EditInstruction, g.EditInstruction),
            EditedCaption = Fill(r.EditedCaption, g.EditedCaption),
            ReverseInstruction = Fill(r.ReverseInstruction, g.ReverseInstruction),
            EditKind = r.EditKind ?? g.EditKind,
        };
        var review = (r.Review ?? []).Where(f => !f.StartsWith("check:", StringComparison.Ordinal) && !f.StartsWith("rules:", StringComparison.Ordinal)).ToList();
        foreach (var (field, value) in new[] { ("input_caption", updated.InputCaption), ("edit_instruction", updated.EditInstruction), ("edited_caption", updated.EditedCaption), ("reverse_instruction", updated.ReverseInstruction) })
            if (!string.IsNullOrWhiteSpace(value)) review.Remove($"needs {field}");
        if (g.NotInverted != null) review.Add($"rules: cannot invert ({g.Pattern}): {g.NotInverted}");
        if (review.All(f => !f.StartsWith("needs ", StringComparison.Ordinal)))
            review.AddRange(TextChecks.Run(updated.InputCaption, updated.EditInstruction, updated.EditedCaption, updated.ReverseInstruction));
        updated = updated with { Review = review.Count > 0 ? review.ToArray() : null };
        return SameReview(updated.Review, r.Review) && updated with { Review = r.Review } == r ? r : updated;
    }

    static bool SameReview(string[]? a, string[]? b) => (a ?? []).SequenceEqual(b ?? []);
}
