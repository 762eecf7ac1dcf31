using System.CommandLine;
using Spectre.Console;
using Uip2p.Experiments;
using Uip2p.Notebooks;

namespace Uip2p.Cli.Commands;

/// <summary><c>uip2p demo</c>: the main job — UIP2P vs supervised IP2P on the embedded world, with a report folder.</summary>
static class DemoCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Report folder (edits.png/svg/pdf, loss_*.png/svg/pdf, scores.csv, summary.md, runs/, data/).", DefaultValueFactory = _ => "demo-report" };
        var components = new Option<string?>("--components") { Description = "Pretrained world components (default: data/world of this repository)." };
        var cecSteps = new Option<int?>("--cec-steps") { Description = "UIP2P (CEC) training steps (default 400)." };
        var supervisedSteps = new Option<int?>("--supervised-steps") { Description = "Supervised IP2P training steps (default 800)." };
        var records = new Option<int?>("--records") { Description = "Generated training edits (default 800)." };
        var heldOut = new Option<int?>("--held-out") { Description = "Held-out edits scored against the ground truth (default 48)." };
        var command = new Command("demo", "The main job: from the shipped world components, train UIP2P (CEC, no ground truth) and the supervised InstructPix2Pix baseline briefly, edit held-out scenes and write a report (grids, loss curves, L1/L2 to the clean ground truth).")
        {
            output, components, cecSteps, supervisedSteps, records, heldOut,
        };
        command.SetAction(result =>
        {
            string folder = Check.OutputFolder("--out", result.GetValue(output)!);
            string comps = result.GetValue(components) ?? Path.Combine(RepositoryRoot.Find(), "data", "world");
            if (!Directory.Exists(comps))
                throw new DirectoryNotFoundException($"World components not found at {comps}: pass --components DIR (made by 'uip2p pretrain --out DIR').");
            foreach (var (name, option) in new[] { ("--cec-steps", cecSteps), ("--supervised-steps", supervisedSteps), ("--records", records), ("--held-out", heldOut) })
                if (result.GetValue(option) is int v) Check.Range(name, v, 1, 1_000_000);
            GlobalOptions.Apply(result);
            var d = new DemoOptions { Components = comps };
            var options = d with
            {
                CecSteps = result.GetValue(cecSteps) ?? d.CecSteps,
                SupervisedSteps = result.GetValue(supervisedSteps) ?? d.SupervisedSteps,
                TrainRecords = result.GetValue(records) ?? d.TrainRecords,
                HeldOutRecords = result.GetValue(heldOut) ?? d.HeldOutRecords,
            };
            if (Directory.Exists(Path.Combine(folder, "runs")))
                throw new InvalidOperationException($"{folder} already holds a demo report; choose another --out or delete it.");
            var demo = new WorldDemo(options, folder)
            {
                Log = m => AnsiConsole.MarkupLine($"[grey]{DateTime.Now:HH:mm:ss}[/] {Markup.Escape(m)}"),
                RunTrainer = (trainer, name) => TrainCommand.Run(trainer, resume: false, label: name) is { Interrupted: false } done ? done
                    : throw new OperationCanceledException($"the demo stopped during its {name} training; its run folder keeps the checkpoint."),
            };
            var report = demo.Run();
            var table = new Table().AddColumns("model", "judge success", "edit happened", "rest kept", "L1 in mask", "L1 outside");
            foreach (var m in report.Models)
                table.AddRow(Markup.Escape(m.Model), m.Success.Percent(), m.EditHappened.Percent(), m.RestKept.Percent(), m.L1InMask.ToString("F3"), m.L1OutsideMask.ToString("F3"));
            table.Caption($"{report.Models.FirstOrDefault()?.Count} held-out edits; mean ± standard error; L2, whole-image scores and success per edit kind in summary.md");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"report in {report.Elapsed.TotalMinutes:F1} min → [green]{Markup.Escape(Path.GetFullPath(folder))}[/] (edits.png/svg/pdf, loss_uip2p.png/svg/pdf, loss_supervised.png/svg/pdf, scores.csv, scores_per_edit.csv, summary.md)");
            return 0;
        });
        return command;
    }
}
