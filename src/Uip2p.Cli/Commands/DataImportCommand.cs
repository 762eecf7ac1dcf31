using System.CommandLine;
using Spectre.Console;
using Uip2p.Data.Import;

namespace Uip2p.Cli.Commands;

/// <summary><c>uip2p data import</c>: a source dataset into the one dataset format, streamed and resumable.</summary>
static class DataImportCommand
{
    public static Command Create()
    {
        var from = new Option<string>("--from") { Description = $"Source format: {string.Join(", ", ImportFormat.Names)}.", Required = true };
        var input = new Option<string>("--in") { Description = "Source: a parquet file or folder of shards; an ip2p or MagicBrush folder; a caption TSV or img2dataset folder.", Required = true };
        var output = new Option<string>("--out") { Description = "Dataset folder to write (new, or one this import started: a rerun continues it).", Required = true };
        var images = new Option<string?>("--images") { Description = "For a caption TSV: the folder of its downloaded images (row i is 00000000i.jpg, as img2dataset names them)." };
        var limit = new Option<long?>("--limit") { Description = "Import at most this many rows in this run (a sample); a rerun continues." };
        var maxPixels = new Option<long?>("--max-pixels") { Description = "Largest image accepted (width × height); default the decoder's 64 Mpx." };
        var command = new Command("import", "Import a dataset into records.jsonl + images/, with rejects.jsonl naming every row left out and why.")
        {
            from, input, output, images, limit, maxPixels,
        };
        command.SetAction(async (result, cancel) =>
        {
            string format = OptionChecks.Choice("--from", result.GetValue(from)!, ImportFormat.Names);
            string source = result.GetValue(input)!;
            string folder = result.GetValue(output)!;
            if (result.GetValue(limit) is { } l && l < 1) throw new ArgumentException($"--limit {l}: must be 1 or more.");
            if (result.GetValue(maxPixels) is { } m && m < 1) throw new ArgumentException($"--max-pixels {m}: must be 1 or more.");
            string? imageFolder = result.GetValue(images);
            if (imageFolder != null && format != "captions") throw new ArgumentException($"--images {imageFolder}: only for --from captions.");
            var reader = ImportFormat.Open(format, source, imageFolder);
            DatasetImporter.CheckOutput(folder, format, source);
            AnsiConsole.MarkupLine($"importing [bold]{format}[/] from {Markup.Escape(source)} ({reader.Shards.Count} shard(s)) → [green]{Markup.Escape(folder)}[/]");
            string lastShard = "";
            var importer = new DatasetImporter(reader, folder, source)
            {
                Limit = result.GetValue(limit),
                MaxPixels = result.GetValue(maxPixels),
                Progress = p =>
                {
                    bool shardEnd = p.Shard != lastShard;
                    lastShard = p.Shard;
                    AnsiConsole.MarkupLine($"  [grey]{p.ShardIndex + 1}/{p.ShardCount}[/] {Markup.Escape(p.Shard)}: {p.Imported} imported, {p.Rejected} rejected; " +
                                           $"{p.RowsPerSecond:F1} rows/s, {p.MegabytesPerSecond:F2} MB/s" + (shardEnd ? "" : ""));
                },
            };
            var summary = await importer.RunAsync(cancel);
            AnsiConsole.MarkupLine($"[bold]{summary.Imported}[/] imported ({summary.Flagged} flagged for review: texts still to generate), [bold]{summary.Rejected}[/] rejected " +
                                   $"({string.Join(", ", summary.Reasons.Select(kv => $"{kv.Key} {kv.Value}"))}); {summary.ShardsDone}/{summary.Shards} shards done; " +
                                   $"this run {summary.RowsThisRun} rows in {summary.Seconds:F1} s ({summary.RowsPerSecond} rows/s, {summary.MegabytesPerSecond} MB/s)");
            AnsiConsole.MarkupLine($"summary → {Markup.Escape(Path.Combine(folder, DatasetImporter.SummaryFile))}; rejects → {Markup.Escape(Path.Combine(folder, DatasetImporter.RejectsFile))}");
            return 0;
        });
        return command;
    }
}
