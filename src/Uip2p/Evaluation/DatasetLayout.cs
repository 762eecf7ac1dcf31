using Uip2p.Data;

namespace Uip2p.Evaluation;

/// <summary>
/// Our dataset format (<c>records.jsonl</c>) as MagicBrush sessions: records grouped by <c>session</c> (a record
/// without one is a one-turn session named by its id), turns by <c>turn</c> (numbered from 0 or 1; a record without one is turn 1); each turn's input is
/// its <c>input_image</c>, its ground truth the clean one when present (a record without any, as CEC data is, is
/// edited and scored by the metrics that need none). Global captions are the records'
/// <c>input_caption</c> / <c>edited_caption</c>; there are no local captions. The generated side is MagicBrush's
/// generated layout, so both formats are scored by the same pairing.
/// </summary>
public static class DatasetLayout
{
    /// <summary>Whether a folder is one of our datasets.</summary>
    public static bool IsDataset(string folder) => File.Exists(Path.Combine(folder, EditDataset.RecordsFile));

    /// <summary>The sessions of a dataset, in sorted session order, with instructions; bad groupings are named.</summary>
    public static (List<GroundTruthSession> Sessions, CaptionTable Global) ReadSessions(string folder)
    {
        var dataset = new EditDataset(folder);
        var bySession = new SortedDictionary<string, SortedDictionary<int, EditRecord>>(StringComparer.Ordinal);
        foreach (var (line, r) in dataset.Read())
        {
            string session = r.Session ?? r.Id;
            if (session.IndexOfAny(['/', '\\']) >= 0 || session is "." or "..")
                throw new InvalidDataException($"{dataset.RecordsPath}:{line}: session '{session}' cannot be a folder name.");
            int turn = r.Turn ?? 1;
            if (!bySession.TryGetValue(session, out var turns)) bySession[session] = turns = new SortedDictionary<int, EditRecord>();
            if (!turns.TryAdd(turn, r))
                throw new InvalidDataException($"{dataset.RecordsPath}:{line}: session '{session}' has two records for turn {turn} ('{turns[turn].Id}', '{r.Id}').");
        }
        if (bySession.Count == 0) throw new InvalidDataException($"{dataset.RecordsPath}: no records.");
        var sessions = new List<GroundTruthSession>();
        var captions = new Dictionary<string, IReadOnlyDictionary<string, string>>();
        foreach (var (id, turns) in bySession)
        {
            // The world numbers turns from 0, MagicBrush from 1: either, as long as none is missing.
            int first = turns.Keys.First();
            if (first is not (0 or 1) || !turns.Keys.SequenceEqual(Enumerable.Range(first, turns.Count)))
                throw new InvalidDataException($"{dataset.RecordsPath}: session '{id}' has turns [{string.Join(",", turns.Keys)}], not 0..{turns.Count - 1} or 1..{turns.Count}.");
            var records = turns.Values.ToList();
            string Full(string p) => Path.GetFullPath(Path.Combine(dataset.Folder, p));
            var targets = records.Select(r => r.EvaluationTarget is { } t ? Full(t) : null).ToList();
            sessions.Add(new GroundTruthSession(id, records.Select(r => Full(r.InputImage)).ToList(), targets)
            {
                Instructions = records.Select(r => r.EditInstruction).ToList(),
            });
            var files = new Dictionary<string, string>();
            for (int k = 0; k < records.Count; k++)
            {
                files.TryAdd(Path.GetFileName(records[k].InputImage), records[k].InputCaption);
                files[EvalPair.TargetKey(targets[k], k + 1)] = records[k].EditedCaption;
            }
            captions[id] = files;
        }
        return (sessions, new CaptionTable($"{dataset.RecordsPath} (input_caption / edited_caption)", captions));
    }

    /// <summary>Pairs a generated folder with a dataset's sessions.</summary>
    public static EvalSet Read(string generatedDir, string datasetFolder)
    {
        var (sessions, global) = ReadSessions(datasetFolder);
        return MagicBrushLayout.Pair(generatedDir, datasetFolder, Path.Combine(datasetFolder, EditDataset.RecordsFile), sessions, local: null, global);
    }
}
