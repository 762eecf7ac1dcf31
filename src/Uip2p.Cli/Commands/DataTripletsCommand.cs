using System.CommandLine;
using Uip2p.Data.Generation;

namespace Uip2p.Cli.Commands;

/// <summary><c>uip2p data triplets</c>: instruction, edited caption and reverse instruction for caption-only records.</summary>
static class DataTripletsCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Dataset folder (records.jsonl); records with only an input caption get the three texts.", Required = true };
        var mix = new Option<string>("--mix") { Description = "Edit kinds wanted, as weights: attribute=0.3,add=0.25,remove=0.2,move=0.1,global=0.15 (default equal).", DefaultValueFactory = _ => "attribute=1,add=1,remove=1,move=1,global=1" };
        var llm = new LlmOptions();
        var command = new Command("triplets", "Generate edit triplets for caption datasets (CC3M/CC12M, Table 1) through an OpenAI-compatible endpoint and merge them into records.jsonl.") { data, mix };
        foreach (var o in llm.All) command.Options.Add(o);
        command.SetAction(async (result, cancel) =>
        {
            var kinds = EditKinds.Parse(result.GetValue(mix)!);
            var job = new DatasetGeneration(OptionChecks.Folder("--data", result.GetValue(data)!), GenerationTask.Triplets);
            return await GenerationRun.RunLlm(result, llm, job, kinds, cancel);
        });
        return command;
    }
}
