using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Workbook.IO;

namespace Workbook.Lora;

/// <summary>
/// The settings of a LoRA adapter, as the PEFT library writes them to <c>adapter_config.json</c> (the JSON field is given
/// for each property): rank, alpha, dropout, which modules get an adapter, and the base model it was trained on.
/// Introduced in chapter 11. Read by its own parser rather than <see cref="JsonConfig"/>'s typed read, because PEFT's
/// <c>target_modules</c> is either a list of names or one regular expression; the file is read through
/// <see cref="JsonConfig.ReadText"/> all the same (bounded, errors naming the file).
/// </summary>
/// <remarks>
/// A target name matches a module whose full name equals it or ends with "." + it, as in PEFT: <c>c_proj</c> matches
/// both <c>h.0.attn.c_proj</c> and <c>h.0.mlp.c_proj</c>. A file whose <c>target_modules</c> is one string holds a
/// regular expression that must match the whole module name (PEFT's other form); <see cref="TargetPattern"/> keeps it.
/// </remarks>
public sealed record LoraConfig
{
    /// <summary>The file name PEFT gives the settings.</summary>
    public const string FileName = "adapter_config.json";

    /// <summary>Rank r of the update B·A (<c>r</c>): A is [r, in], B is [out, r].</summary>
    public int Rank { get; init; } = 8;

    /// <summary>The numerator of the scaling alpha / r (<c>lora_alpha</c>).</summary>
    public double Alpha { get; init; } = 16;

    /// <summary>Dropout on the adapter's input, in training mode only (<c>lora_dropout</c>); 0 for none.</summary>
    public double Dropout { get; init; }

    /// <summary>Module names that get an adapter (<c>target_modules</c>), e.g. <c>c_attn</c>, <c>c_proj</c>, <c>c_fc</c>.</summary>
    public IReadOnlyList<string> TargetModules { get; init; } = ["c_attn"];

    /// <summary>A regular expression over whole module names instead of <see cref="TargetModules"/> (a string <c>target_modules</c>); null
    /// for none.</summary>
    public string? TargetPattern { get; init; }

    /// <summary>The model the adapter was trained on (<c>base_model_name_or_path</c>): a hub id such as <c>gpt2</c>, or a folder.</summary>
    public string BaseModelNameOrPath { get; init; } = "";

    /// <summary>The factor of the update: <see cref="Alpha"/> / <see cref="Rank"/> (PEFT's default, no rsLoRA).</summary>
    public double Scaling => Alpha / Rank;

    /// <summary>Whether the module named <paramref name="modulePath"/> (e.g. <c>h.3.mlp.c_fc</c>) gets an adapter.</summary>
    public bool Targets(string modulePath)
    {
        ArgumentNullException.ThrowIfNull(modulePath);
        if (TargetPattern is not null)
            return Regex.IsMatch(modulePath, $"^(?:{TargetPattern})$", RegexOptions.None, TimeSpan.FromSeconds(1));
        return TargetModules.Any(t => modulePath == t || modulePath.EndsWith("." + t, StringComparison.Ordinal));
    }

    /// <summary>Checks the numbers; returns this config.</summary>
    /// <param name="source">Where the config came from, for the message.</param>
    /// <exception cref="ArgumentException">The rank is not positive, alpha is not a positive number, the dropout is outside
    /// [0, 1), or no target is given; the message names the field.</exception>
    public LoraConfig Validate(string source = nameof(LoraConfig))
    {
        void Check(bool ok, string field, string problem)
        {
            if (!ok)
                throw new ArgumentException($"{source}: {field} {problem}.");
        }
        Check(Rank > 0, "r", $"must be a positive integer, found {Rank}");
        Check(Alpha > 0 && double.IsFinite(Alpha), "lora_alpha", $"must be a positive number, found {Alpha}");
        Check(Dropout >= 0 && Dropout < 1, "lora_dropout", $"must lie in [0, 1), found {Dropout}");
        Check(
            TargetPattern is not null || (TargetModules is { Count: > 0 } && TargetModules.All(t => !string.IsNullOrWhiteSpace(t))),
            "target_modules",
            "must name at least one module, with no empty name"
        );
        if (TargetPattern is not null)
        {
            try
            {
                _ = new Regex(TargetPattern);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException(
                    $"{source}: target_modules '{TargetPattern}' is not a valid regular expression ({e.Message}).",
                    e
                );
            }
        }
        ArgumentNullException.ThrowIfNull(BaseModelNameOrPath, nameof(BaseModelNameOrPath));
        return this;
    }

    /// <summary>
    /// The settings as PEFT's <c>adapter_config.json</c>: <c>peft_type</c> "LORA", <c>task_type</c> "CAUSAL_LM",
    /// <c>fan_in_fan_out</c> true (GPT-2's Conv1D keeps its weight [in, out], so the merged update is (B·A)ᵀ),
    /// <c>bias</c> "none", and the fields above.
    /// </summary>
    public string ToJson()
    {
        Validate();
        var root = new JsonObject
        {
            ["base_model_name_or_path"] = BaseModelNameOrPath,
            ["bias"] = "none",
            ["fan_in_fan_out"] = true,
            ["inference_mode"] = true,
            ["init_lora_weights"] = true,
            ["lora_alpha"] = Alpha == Math.Floor(Alpha) && Alpha < int.MaxValue ? JsonValue.Create((int)Alpha) : JsonValue.Create(Alpha),
            ["lora_dropout"] = Dropout,
            ["modules_to_save"] = null,
            ["peft_type"] = "LORA",
            ["r"] = Rank,
            ["target_modules"] = TargetPattern is not null
                ? JsonValue.Create(TargetPattern)
                : new JsonArray([.. TargetModules.Select(t => (JsonNode)t)]),
            ["task_type"] = "CAUSAL_LM",
            ["use_dora"] = false,
            ["use_rslora"] = false,
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/> atomically.</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson());

    /// <summary>Reads and validates an <c>adapter_config.json</c> (a path to the file or to its folder).</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="InvalidDataException">See <see cref="FromJson"/>; the message names the file and the field.</exception>
    public static LoraConfig FromFile(string path)
    {
        var (file, text) = JsonConfig.ReadText(path, FileName);
        return FromJson(text, file);
    }

    /// <summary>Parses and validates the text of an <c>adapter_config.json</c>; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidDataException">Not JSON; <c>peft_type</c> is not "LORA"; <c>r</c>, <c>lora_alpha</c> or
    /// <c>target_modules</c> missing or of the wrong type; or an option this implementation does not have (a trained bias,
    /// DoRA, rsLoRA, extra modules to save, a task other than causal LM).</exception>
    public static LoraConfig FromJson(string json, string source = FileName)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException($"{source}: expected a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON ({e.Message}).", e);
        }
        InvalidDataException Bad(string field, string problem) => new($"{source}: field '{field}' {problem}.");
        string? Text(string field)
        {
            var node = root[field];
            if (node is null)
                return null;
            return node is JsonValue v && v.TryGetValue<string>(out var s)
                ? s
                : throw Bad(field, $"must be a string, found {node.ToJsonString()}");
        }
        double Number(string field, double? fallback)
        {
            var node = root[field];
            if (node is null)
                return fallback ?? throw Bad(field, "is missing");
            return node is JsonValue v && v.TryGetValue<double>(out var x)
                ? x
                : throw Bad(field, $"must be a number, found {node.ToJsonString()}");
        }
        bool Flag(string field)
        {
            var node = root[field];
            if (node is null)
                return false;
            return node is JsonValue v && v.TryGetValue<bool>(out var b)
                ? b
                : throw Bad(field, $"must be true or false, found {node.ToJsonString()}");
        }

        if (Text("peft_type") is var type && type != "LORA")
            throw Bad("peft_type", type is null ? "is missing (a LoRA adapter has \"LORA\")" : $"is \"{type}\", not \"LORA\"");
        if (Text("task_type") is { } task && task != "CAUSAL_LM")
            throw Bad("task_type", $"is \"{task}\"; this implementation adapts causal language models (\"CAUSAL_LM\")");
        if (Text("bias") is { } bias && bias != "none")
            throw Bad("bias", $"is \"{bias}\"; this implementation trains no biases (\"none\")");
        if (Flag("use_dora"))
            throw Bad("use_dora", "is true; DoRA adapters are not supported");
        if (Flag("use_rslora"))
            throw Bad("use_rslora", "is true; rsLoRA's scaling alpha/√r is not supported (only alpha/r)");
        if (root["modules_to_save"] is JsonArray { Count: > 0 })
            throw Bad("modules_to_save", "lists modules; this implementation saves adapters only");

        var rank = Number("r", null);
        if (rank != Math.Floor(rank) || rank < 1 || rank > int.MaxValue)
            throw Bad("r", $"must be a positive integer, found {root["r"]!.ToJsonString()}");
        IReadOnlyList<string> targets = [];
        string? pattern = null;
        switch (root["target_modules"])
        {
            case null:
                throw Bad("target_modules", "is missing");
            case JsonArray list:
                targets =
                [
                    .. list.Select(n =>
                        n is JsonValue v && v.TryGetValue<string>(out var s)
                            ? s
                            : throw Bad("target_modules", $"must list strings, found {n?.ToJsonString() ?? "null"}")
                    ),
                ];
                break;
            case JsonValue value when value.TryGetValue<string>(out var regex):
                pattern = regex;
                break;
            case var other:
                throw Bad("target_modules", $"must be a list of names or one regular expression, found {other.ToJsonString()}");
        }
        var config = new LoraConfig
        {
            Rank = (int)rank,
            Alpha = Number("lora_alpha", 8), // PEFT's default when the field is absent
            Dropout = Number("lora_dropout", 0),
            TargetModules = targets,
            TargetPattern = pattern,
            BaseModelNameOrPath = Text("base_model_name_or_path") ?? "",
        };
        try
        {
            return config.Validate(source);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
    }
}
