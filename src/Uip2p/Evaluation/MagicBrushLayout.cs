using System.Text.RegularExpressions;

namespace Uip2p.Evaluation;

/// <summary>
/// MagicBrush's folders. Ground truth (<c>--gt_path</c>): <c>images/&lt;id&gt;/&lt;id&gt;-input.png</c>,
/// <c>-output&lt;k&gt;.png</c>, <c>-mask&lt;k&gt;.png</c> beside <c>edit_sessions.json</c>, <c>local_descriptions.json</c>,
/// <c>global_descriptions.json</c>. Generated (<c>--generated_path</c>, what <c>edit_cli_single_multi_turn.py</c>
/// writes): <c>&lt;id&gt;/&lt;id&gt;_1.png</c> (turn 1), <c>_inde_&lt;k&gt;.png</c> (turn k from the ground-truth input),
/// <c>_iter_&lt;k&gt;.png</c> (turn k from the previous generated image). Pairing follows <c>image_eval.py</c>'s
/// <c>load_data</c>: sessions in sorted order, turns ascending; all_turn = <c>_1</c> and every <c>inde_k</c> against
/// <c>output1..T</c>; final_turn = <c>_1</c> for one-turn sessions, else the last <c>iter_T</c>, against
/// <c>output T</c>. Where the reference would pair mismatched files silently or crash (a session on one side
/// only, turn counts that disagree, an unrecognised image), this reader names the session and the files.
/// </summary>
public static partial class MagicBrushLayout
{
    /// <summary>The generated file name of a turn: <c>&lt;id&gt;_1.png</c>, <c>&lt;id&gt;_inde_&lt;k&gt;.png</c> or <c>&lt;id&gt;_iter_&lt;k&gt;.png</c>.</summary>
    public static string GeneratedName(string session, int turn, bool iterated) =>
        turn == 1 ? $"{session}_1.png" : iterated ? $"{session}_iter_{turn}.png" : $"{session}_inde_{turn}.png";

    /// <summary>The ground-truth images folder and the folder of its JSON files for a <c>--ground-truth</c> argument (the test folder, or its <c>images/</c>).</summary>
    public static (string Images, string Json) GroundTruthFolders(string groundTruth)
    {
        if (!Directory.Exists(groundTruth)) throw new DirectoryNotFoundException($"--ground-truth {groundTruth}: no such folder.");
        string images = Path.Combine(groundTruth, "images");
        if (Directory.Exists(images)) return (images, groundTruth);
        return (groundTruth, Path.GetDirectoryName(Path.GetFullPath(groundTruth).TrimEnd(Path.DirectorySeparatorChar)) ?? groundTruth);
    }

    /// <summary>Reads the ground-truth session folders (masks skipped, as by the evaluator).</summary>
    public static List<GroundTruthSession> ReadGroundTruth(string imagesDir)
    {
        var sessions = new List<GroundTruthSession>();
        foreach (string dir in SessionDirs(imagesDir))
        {
            string id = Path.GetFileName(dir);
            string? input = null;
            var outputs = new SortedDictionary<int, string>();
            foreach (string file in ImageFiles(dir))
            {
                string name = Path.GetFileName(file);
                if (name.Contains("mask", StringComparison.Ordinal)) continue;
                if (InputName().IsMatch(name)) { input = input == null ? file : throw new InvalidDataException($"{dir}: two input images ({Path.GetFileName(input)}, {name})."); continue; }
                var m = OutputName().Match(name);
                if (!m.Success) throw new InvalidDataException($"{file}: not a MagicBrush ground-truth name (<id>-input, <id>-output<k>, <id>-mask<k>).");
                int turn = int.Parse(m.Groups[1].Value);
                if (!outputs.TryAdd(turn, file)) throw new InvalidDataException($"{dir}: two ground-truth images for turn {turn} ({Path.GetFileName(outputs[turn])}, {name}).");
            }
            if (input == null) throw new InvalidDataException($"{dir}: session '{id}' has no <id>-input image.");
            if (outputs.Count == 0) throw new InvalidDataException($"{dir}: session '{id}' has no <id>-output<k> image.");
            CheckContiguous(dir, id, outputs.Keys, "ground-truth outputs");
            var outs = outputs.Values.ToList();
            // Turn k of a MagicBrush session starts from the ground truth of turn k − 1 (edit_sessions.json's "input").
            sessions.Add(new GroundTruthSession(id, [input, .. outs.Take(outs.Count - 1)], outs));
        }
        return sessions;
    }

    /// <summary>Reads both layouts and pairs them; the captions are read when their files exist.</summary>
    public static EvalSet Read(string generatedDir, string groundTruth)
    {
        var images = GroundTruthFolders(groundTruth).Images;
        var (local, global) = ReadCaptions(groundTruth);
        return Pair(generatedDir, groundTruth, images, ReadGroundTruth(images), local, global);
    }

    /// <summary>The local and global descriptions beside the images folder, each null when its file is absent.</summary>
    public static (CaptionTable? Local, CaptionTable? Global) ReadCaptions(string groundTruth)
    {
        string json = GroundTruthFolders(groundTruth).Json;
        string local = Path.Combine(json, "local_descriptions.json"), global = Path.Combine(json, "global_descriptions.json");
        return (File.Exists(local) ? CaptionTable.Read(local) : null, File.Exists(global) ? CaptionTable.Read(global) : null);
    }

    /// <summary>
    /// Pairs a generated folder with ground-truth sessions (from MagicBrush's folders or from our records):
    /// the same rules for both, so both evaluate the same way.
    /// </summary>
    public static EvalSet Pair(string generatedDir, string groundTruth, string truthLabel, IReadOnlyList<GroundTruthSession> truth, CaptionTable? local, CaptionTable? global)
    {
        if (!Directory.Exists(generatedDir)) throw new DirectoryNotFoundException($"--generated {generatedDir}: no such folder.");
        CompareSessionSets(generatedDir, truthLabel, SessionDirs(generatedDir).Select(Path.GetFileName).ToList()!, truth.Select(s => s.Id).ToList());
        var all = new List<EvalPair>();
        var final = new List<EvalPair>();
        var withoutIter = new List<string>();
        var withIter = new List<string>();
        foreach (var gt in truth)
        {
            var gen = ReadGenerated(Path.Combine(generatedDir, gt.Id));
            int turns = gt.Outputs.Count;
            var single = gen.Independent.Keys.ToList();
            if (!single.SequenceEqual(Enumerable.Range(1, turns)))
                throw new InvalidDataException($"{Path.Combine(generatedDir, gt.Id)}: session '{gt.Id}' has generated single-turn images for turns [{string.Join(",", single)}] (<id>_1, <id>_inde_<k>) but {turns} ground-truth outputs.");
            for (int t = 1; t <= turns; t++)
                all.Add(new EvalPair(gt.Id, t, gen.Independent[t], gt.Outputs[t - 1], gt.Inputs[t - 1]));
            if (gen.Iterated.Count > 0 && gen.Iterated.Keys.Max() > turns)
                throw new InvalidDataException($"{Path.Combine(generatedDir, gt.Id)}: session '{gt.Id}' has an iterated image for turn {gen.Iterated.Keys.Max()} but only {turns} ground-truth outputs.");
            if (turns == 1) final.Add(new EvalPair(gt.Id, 1, gen.Independent[1], gt.Outputs[0], gt.Inputs[0]));
            else if (gen.Iterated.TryGetValue(turns, out string? last))
            {
                final.Add(new EvalPair(gt.Id, turns, last, gt.Outputs[^1], gt.Inputs[0]));
                withIter.Add(gt.Id);
            }
            else withoutIter.Add(gt.Id);
        }
        string? finalMissing = null;
        if (withoutIter.Count > 0 && withIter.Count > 0)
            throw new InvalidDataException($"{generatedDir}: multi-turn sessions without their final iterated image <id>_iter_<T>: {string.Join(", ", withoutIter.Take(10))}{(withoutIter.Count > 10 ? ", …" : "")}.");
        if (withoutIter.Count > 0)
        {
            finalMissing = $"no iterated images (<id>_iter_<k>) in {generatedDir}: a single-turn run; final_turn is not computed";
            final.Clear();
        }
        return new EvalSet(generatedDir, groundTruth, all, final, local, global, finalMissing);
    }

    sealed record GeneratedSession(SortedDictionary<int, string> Independent, SortedDictionary<int, string> Iterated);

    static GeneratedSession ReadGenerated(string dir)
    {
        var independent = new SortedDictionary<int, string>();
        var iterated = new SortedDictionary<int, string>();
        foreach (string file in ImageFiles(dir))
        {
            string name = Path.GetFileName(file);
            if (name.Contains("mask", StringComparison.Ordinal)) continue;
            var m = GeneratedNamePattern().Match(name);
            if (!m.Success) throw new InvalidDataException($"{file}: not a MagicBrush generated name (<id>_1, <id>_inde_<k>, <id>_iter_<k>).");
            var (target, turn) = m.Groups["iter"].Success ? (iterated, int.Parse(m.Groups["iter"].Value))
                : m.Groups["inde"].Success ? (independent, int.Parse(m.Groups["inde"].Value)) : (independent, 1);
            if (target == independent && turn == 1 && m.Groups["inde"].Success)
                throw new InvalidDataException($"{file}: turn 1 is named <id>_1, not <id>_inde_1.");
            if (!target.TryAdd(turn, file)) throw new InvalidDataException($"{dir}: two generated images for turn {turn} ({Path.GetFileName(target[turn])}, {name}).");
        }
        return new GeneratedSession(independent, iterated);
    }

    static void CompareSessionSets(string generatedDir, string truthLabel, List<string> generated, List<string> truth)
    {
        var onlyGenerated = generated.Except(truth).Order(StringComparer.Ordinal).ToList();
        var onlyTruth = truth.Except(generated).Order(StringComparer.Ordinal).ToList();
        if (onlyGenerated.Count == 0 && onlyTruth.Count == 0) return;
        static string List(List<string> s) => string.Join(", ", s.Take(10)) + (s.Count > 10 ? $", … ({s.Count})" : "");
        throw new InvalidDataException(
            $"the session folders differ: {(onlyTruth.Count > 0 ? $"missing from {generatedDir}: {List(onlyTruth)}" : "")}{(onlyTruth.Count > 0 && onlyGenerated.Count > 0 ? "; " : "")}{(onlyGenerated.Count > 0 ? $"not in {truthLabel}: {List(onlyGenerated)}" : "")}.");
    }

    static void CheckContiguous(string dir, string id, IEnumerable<int> turns, string what)
    {
        var list = turns.ToList();
        if (!list.SequenceEqual(Enumerable.Range(1, list.Count)))
            throw new InvalidDataException($"{dir}: session '{id}' has {what} for turns [{string.Join(",", list)}], not 1..{list.Count}.");
    }

    /// <summary>The instructions of each session from <c>edit_sessions.json</c> (what MagicBrush's inference script reads), turn by turn.</summary>
    public static Dictionary<string, List<string>> ReadInstructions(string groundTruth, IReadOnlyList<GroundTruthSession> sessions)
    {
        string path = Path.Combine(GroundTruthFolders(groundTruth).Json, "edit_sessions.json");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: edit_sessions.json missing; editing needs the instructions.", path);
        System.Text.Json.JsonDocument doc;
        try { doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path)); }
        catch (System.Text.Json.JsonException e) { throw new InvalidDataException($"{path}: invalid JSON ({e.Message}).", e); }
        using (doc)
        {
            var result = new Dictionary<string, List<string>>();
            foreach (var s in sessions)
            {
                if (!doc.RootElement.TryGetProperty(s.Id, out var turns) || turns.ValueKind != System.Text.Json.JsonValueKind.Array)
                    throw new InvalidDataException($"{path}: no turns for session '{s.Id}'.");
                var list = new List<string>();
                foreach (var t in turns.EnumerateArray())
                    list.Add(t.TryGetProperty("instruction", out var i) && i.ValueKind == System.Text.Json.JsonValueKind.String ? i.GetString()!
                        : throw new InvalidDataException($"{path}: session '{s.Id}' turn {list.Count + 1} has no \"instruction\"."));
                if (list.Count != s.Outputs.Count)
                    throw new InvalidDataException($"{path}: session '{s.Id}' lists {list.Count} turns but the images folder has {s.Outputs.Count} outputs.");
                result[s.Id] = list;
            }
            return result;
        }
    }

    /// <summary>Session sub-folders in sorted (ordinal) order, as the fixture's run listed them.</summary>
    static List<string> SessionDirs(string root) => Directory.GetDirectories(root).Order(StringComparer.Ordinal).ToList();

    // The evaluator's filter: names containing .png or .jpg.
    static IEnumerable<string> ImageFiles(string dir) => Directory.GetFiles(dir)
        .Where(f => Path.GetFileName(f).Contains(".png", StringComparison.Ordinal) || Path.GetFileName(f).Contains(".jpg", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal);

    [GeneratedRegex(@"-input\.(png|jpg)$")]
    private static partial Regex InputName();

    [GeneratedRegex(@"-output(\d+)\.(png|jpg)$")]
    private static partial Regex OutputName();

    [GeneratedRegex(@"_(?:iter_(?<iter>\d+)|inde_(?<inde>\d+)|1)\.(png|jpg)$")]
    private static partial Regex GeneratedNamePattern();
}
