using System.CommandLine;
using Uip2p.Data.Generation;

namespace Uip2p.Cli.Commands;

/// <summary>The options every LLM verb shares: endpoint, model, key, concurrency, retries, timeouts.</summary>
sealed class LlmOptions
{
    public static readonly string[] ResponseFormats = ["json_schema", "json_object", "none"];

    public readonly Option<string?> Endpoint = new("--endpoint") { Description = "OpenAI-compatible base URL: vLLM http://HOST:8000/v1, Ollama http://HOST:11434/v1, llama.cpp server http://HOST:8080/v1." };
    public readonly Option<string?> Model = new("--model") { Description = "Model name as the server knows it." };
    public readonly Option<string> KeyVariable = new("--api-key-env") { Description = "Environment variable holding the API key (unset: no key, as local servers want).", DefaultValueFactory = _ => "OPENAI_API_KEY" };
    public readonly Option<int> Concurrency = new("--concurrency") { Description = "Requests in flight at once (1–256).", DefaultValueFactory = _ => 8 };
    public readonly Option<int> MaxAttempts = new("--max-attempts") { Description = "Attempts per record before it is written to the failures file (1–20).", DefaultValueFactory = _ => 5 };
    public readonly Option<double> Timeout = new("--timeout") { Description = "Seconds to wait for one answer (0.1–3600).", DefaultValueFactory = _ => 60 };
    public readonly Option<double> Backoff = new("--backoff") { Description = "Seconds before the first retry, doubled each retry, capped at 30 s (0–60).", DefaultValueFactory = _ => 1 };
    public readonly Option<double> Temperature = new("--temperature") { Description = "Sampling temperature (0–2).", DefaultValueFactory = _ => 0.7 };
    public readonly Option<string> ResponseFormat = new("--response-format") { Description = "json_schema (structured output), json_object, or none (prompt only); answers are validated either way.", DefaultValueFactory = _ => "json_schema" };
    public readonly Option<string?> Prompt = new("--prompt") { Description = "Prompt file (system part, a line ---, user part with {placeholders}); default configs/prompts/<task>.txt." };

    public IEnumerable<Option> All => [Endpoint, Model, KeyVariable, Concurrency, MaxAttempts, Timeout, Backoff, Temperature, ResponseFormat, Prompt];

    /// <summary>Validates every option and builds the generator; nothing is sent before this passes.</summary>
    public ChatGenerator Build(ParseResult result, GenerationTask task, Action<long, long>? progress)
    {
        string url = result.GetValue(Endpoint) ?? throw new ArgumentException("--endpoint: required (the server's OpenAI base URL, e.g. http://127.0.0.1:8000/v1).");
        var uri = ChatEndpoint.ParseUrl(url);
        string model = result.GetValue(Model) is { Length: > 0 } m ? m : throw new ArgumentException("--model: required (the model name the server serves).");
        int concurrency = OptionChecks.Range("--concurrency", result.GetValue(Concurrency), 1, 256);
        int attempts = OptionChecks.Range("--max-attempts", result.GetValue(MaxAttempts), 1, 20);
        double timeout = OptionChecks.Range("--timeout", result.GetValue(Timeout), 0.1, 3600);
        double backoff = OptionChecks.Range("--backoff", result.GetValue(Backoff), 0, 60);
        double temperature = OptionChecks.Range("--temperature", result.GetValue(Temperature), 0, 2);
        string format = OptionChecks.Choice("--response-format", result.GetValue(ResponseFormat)!, ResponseFormats);
        var prompt = result.GetValue(Prompt) is { } p ? PromptTemplate.Load(p, task.Placeholders) : PromptTemplate.Default(task.Name, task.Placeholders);
        string? key = Environment.GetEnvironmentVariable(result.GetValue(KeyVariable)!);
        var client = ChatEndpoint.Create(uri, model, key, TimeSpan.FromSeconds(timeout));
        return new ChatGenerator(client, task, prompt, model)
        {
            Concurrency = concurrency, MaxAttempts = attempts, Timeout = TimeSpan.FromSeconds(timeout),
            BackoffBase = TimeSpan.FromSeconds(backoff), Temperature = (float)temperature, ResponseFormat = format, Progress = progress,
        };
    }
}
