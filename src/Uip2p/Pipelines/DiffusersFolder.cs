using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using Uip2p.Checkpoints;
using Uip2p.Models;
using Uip2p.Models.Clip;
using Uip2p.Models.Diffusion;
using Uip2p.Schedulers;
using Uip2p.Text;
using static TorchSharp.torch;

namespace Uip2p.Pipelines;

/// <summary>
/// Reading and writing the diffusers pipeline layout: <c>model_index.json</c> and the <c>unet/</c>, <c>vae/</c>,
/// <c>text_encoder/</c>, <c>tokenizer/</c> and <c>scheduler/</c> folders, each with its config and safetensors.
/// Missing pieces are named; keys are compared strictly.
/// </summary>
public static class DiffusersFolder
{
    public static UNet2DConditionModel LoadUNet(string folder, ScalarType dtype = ScalarType.Float32)
    {
        var unet = new UNet2DConditionModel(UNet2DConditionConfig.Read(ConfigReader.FromFile(RequireFile(folder, "config.json"))));
        unet.to(dtype);
        string weights = SafetensorsFile.FindWeights(folder, "diffusion_pytorch_model");
        StateDictLoader.Load(unet, SafetensorsFile.Load(weights), weights);
        unet.eval();
        return unet;
    }

    public static AutoencoderKL LoadVae(string folder, ScalarType dtype = ScalarType.Float32)
    {
        var vae = new AutoencoderKL(AutoencoderKLConfig.Read(ConfigReader.FromFile(RequireFile(folder, "config.json"))));
        vae.to(dtype);
        string weights = SafetensorsFile.FindWeights(folder, "diffusion_pytorch_model");
        StateDictLoader.Load(vae, AutoencoderKL.RenameLegacyAttention(SafetensorsFile.Load(weights)), weights);
        vae.eval();
        return vae;
    }

    public static SchedulerConfig LoadSchedulerConfig(string folder)
    {
        string path = File.Exists(Path.Combine(folder, "scheduler_config.json")) ? Path.Combine(folder, "scheduler_config.json") : Path.Combine(folder, "config.json");
        if (!File.Exists(path)) throw new FileNotFoundException($"{folder}: no scheduler_config.json.", Path.Combine(folder, "scheduler_config.json"));
        return SchedulerConfig.Read(ConfigReader.FromFile(path));
    }

    /// <summary>Checks <c>model_index.json</c> and that every component folder it needs exists; returns the index.</summary>
    public static JsonObject ReadIndex(string root, params string[] required)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"{root}: no such model folder.");
        string path = Path.Combine(root, "model_index.json");
        if (!File.Exists(path)) throw new FileNotFoundException($"{root}: model_index.json missing; not a diffusers pipeline folder.", path);
        JsonObject index;
        try { index = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new InvalidDataException($"{path}: empty."); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: invalid JSON: {e.Message}", e); }
        foreach (string component in required)
        {
            string dir = Path.Combine(root, component);
            if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{root}: the '{component}/' folder is missing (model_index.json lists the pipeline's components).");
        }
        return index;
    }

    /// <summary>The path of <paramref name="name"/> in <paramref name="folder"/>; a missing folder or file is named.</summary>
    public static string RequireFile(string folder, string name)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{folder}: folder missing.");
        string path = Path.Combine(folder, name);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path}: missing.", path);
    }

    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void SaveUNet(UNet2DConditionModel unet, string folder)
    {
        Directory.CreateDirectory(folder);
        SafetensorsFile.Save(Path.Combine(folder, "diffusion_pytorch_model.safetensors"), unet.state_dict());
        AtomicFile.WriteAllText(Path.Combine(folder, "config.json"), unet.Config.ToJson().ToJsonString(Indented));
    }

    public static void SaveVae(AutoencoderKL vae, string folder)
    {
        Directory.CreateDirectory(folder);
        SafetensorsFile.Save(Path.Combine(folder, "diffusion_pytorch_model.safetensors"), vae.state_dict());
        AtomicFile.WriteAllText(Path.Combine(folder, "config.json"), vae.Config.ToJson().ToJsonString(Indented));
    }

    public static void SaveTextEncoder(ClipTextModel encoder, string folder)
    {
        Directory.CreateDirectory(folder);
        SafetensorsFile.Save(Path.Combine(folder, "model.safetensors"), encoder.state_dict());
        var config = encoder.Config.ToJson();
        config["architectures"] = new JsonArray("CLIPTextModel");
        config["model_type"] = "clip_text_model";
        AtomicFile.WriteAllText(Path.Combine(folder, "config.json"), config.ToJsonString(Indented));
    }

    public static void SaveSchedulerConfig(SchedulerConfig config, string folder)
    {
        Directory.CreateDirectory(folder);
        AtomicFile.WriteAllText(Path.Combine(folder, "scheduler_config.json"), config.ToJson().ToJsonString(Indented));
    }

    /// <summary>Copies a tokenizer folder's files (vocab.json, merges.txt and the optional configs).</summary>
    public static void SaveTokenizer(string sourceFolder, string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (string name in new[] { "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json" })
        {
            string from = Path.Combine(sourceFolder, name);
            if (File.Exists(from)) AtomicFile.WriteAllBytes(Path.Combine(folder, name), File.ReadAllBytes(from));
        }
    }

    /// <summary>Writes <c>model_index.json</c> for an InstructPix2Pix pipeline.</summary>
    public static void SaveIndex(string root, string schedulerClass, string pipelineClass = "StableDiffusionInstructPix2PixPipeline")
    {
        var index = new JsonObject
        {
            ["_class_name"] = pipelineClass,
            ["_diffusers_version"] = "0.30.0",
            ["unet"] = new JsonArray("diffusers", "UNet2DConditionModel"),
            ["vae"] = new JsonArray("diffusers", "AutoencoderKL"),
            ["text_encoder"] = new JsonArray("transformers", "CLIPTextModel"),
            ["tokenizer"] = new JsonArray("transformers", "CLIPTokenizer"),
            ["scheduler"] = new JsonArray("diffusers", schedulerClass),
            ["safety_checker"] = new JsonArray(null, null),
            ["feature_extractor"] = new JsonArray(null, null),
            ["requires_safety_checker"] = false,
        };
        Directory.CreateDirectory(root);
        AtomicFile.WriteAllText(Path.Combine(root, "model_index.json"), index.ToJsonString(Indented));
    }

    /// <summary>Loads the tokenizer of a pipeline folder.</summary>
    public static ClipTokenizer LoadTokenizer(string folder) => ClipTokenizer.FromFolder(folder);
}
