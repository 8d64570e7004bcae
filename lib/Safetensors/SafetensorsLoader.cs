using static TorchSharp.torch;

namespace Workbook.Safetensors;

/// <summary>
/// Fills a module's parameters and buffers from a safetensors checkpoint, by name, checking every name and shape first;
/// and the plumbing every model's <c>FromPretrained</c> and <c>SavePretrained</c> share (<see cref="FromPretrained"/>,
/// <see cref="SaveWeights"/>). Introduced with GPT-2 in chapter 10.
/// </summary>
public static class SafetensorsLoader
{
    /// <summary>
    /// What every model's <c>FromPretrained</c> does, in one place: read the config from <paramref name="folder"/>, check
    /// the checkpoint's names and shapes against a model built on <c>torch.META</c> (no memory, so a checkpoint that
    /// does not fit is refused before anything is allocated), build the model uninitialised (a checkpoint fills it;
    /// random initialisation would be wasted work), load, and return it in eval mode, as <c>transformers</c> does.
    /// </summary>
    /// <param name="folder">The model folder (config.json and model.safetensors or a sharded index).</param>
    /// <param name="readConfig">Reads and validates the folder's config.</param>
    /// <param name="build">Builds the model for a config on a device, uninitialised.</param>
    /// <param name="device">Where the model goes (CPU when null).</param>
    /// <param name="mapName">Checkpoint name → model name, or null to skip the tensor.</param>
    /// <param name="otherMismatches">Mis-shaped tensors among the skipped ones (a tied head), found on the meta model.</param>
    /// <exception cref="DirectoryNotFoundException">No such folder.</exception>
    /// <exception cref="FileNotFoundException">The config or the weights are missing.</exception>
    /// <exception cref="CheckpointMismatchException">The weights do not fit the config; every missing, unexpected and mis-shaped tensor is
    /// named.</exception>
    public static TModel FromPretrained<TModel, TConfig>(
        string folder,
        Func<string, TConfig> readConfig,
        Func<TConfig, Device?, TModel> build,
        Device? device,
        Func<string, string?>? mapName = null,
        Func<TModel, SafetensorsCheckpoint, IReadOnlyList<TensorShapeMismatch>>? otherMismatches = null
    )
        where TModel : nn.Module
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(readConfig);
        ArgumentNullException.ThrowIfNull(build);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Model folder not found: {folder}");
        var config = readConfig(Path.Combine(folder, "config.json"));
        using var checkpoint = SafetensorsCheckpoint.Open(folder);
        using (var shapes = build(config, META))
            CheckFits(shapes, checkpoint, mapName, otherMismatches?.Invoke(shapes, checkpoint));
        var model = build(config, device);
        try
        {
            LoadInto(model, checkpoint, mapName, otherMismatches?.Invoke(model, checkpoint));
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.eval();
        return model;
    }

    /// <summary>
    /// Writes <paramref name="module"/>'s parameters to <paramref name="path"/> (atomically) under their own names with
    /// <c>format: pt</c> metadata, as <c>transformers</c>' <c>save_pretrained</c> does, converted to
    /// <paramref name="dtype"/> when given (float16 or bfloat16 halve the file).
    /// </summary>
    public static void SaveWeights(nn.Module module, string path, ScalarType? dtype = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using (NewDisposeScope())
        {
            SafetensorsWriter.Save(
                path,
                module
                    .named_parameters()
                    .Select(p => (p.name, dtype is { } type ? p.parameter.detach().cpu().to(type) : p.parameter.detach().cpu()))
                    .ToList(),
                new Dictionary<string, string> { ["format"] = "pt" }
            );
        }
        // `new Model(...).SavePretrained(folder)` leaves no other reference to the model: without this the finaliser may
        // free the native weights while they are being written (seen as NaN weights in the saved file).
        GC.KeepAlive(module);
    }

    /// <summary>
    /// Loads <paramref name="checkpoint"/> into <paramref name="module"/>'s parameters and buffers (matched by
    /// <c>named_parameters()</c> / <c>named_buffers()</c> names). <paramref name="mapName"/> turns a checkpoint name into
    /// the module's name, or returns null to skip a tensor the model does not keep (a cached mask, a tied copy). All
    /// names and shapes are checked before any data is read; each tensor is then read straight into the module's memory,
    /// converted to the module's dtype and device (so an F16 or BF16 file loads into a float32 model).
    /// </summary>
    /// <param name="module">The model to fill.</param>
    /// <param name="checkpoint">The open checkpoint.</param>
    /// <param name="mapName">Checkpoint name → module name, or null to skip the tensor.</param>
    /// <param name="otherMismatches">Mis-shaped tensors the caller found among the skipped ones (a tied head, say), reported with the
    /// rest.</param>
    /// <returns>The checkpoint names that <paramref name="mapName"/> skipped.</returns>
    /// <exception cref="CheckpointMismatchException">Missing, unexpected or mis-shaped tensors, all named in one message.</exception>
    public static IReadOnlyList<string> LoadInto(
        nn.Module module,
        SafetensorsCheckpoint checkpoint,
        Func<string, string?>? mapName = null,
        IReadOnlyList<TensorShapeMismatch>? otherMismatches = null
    )
    {
        var (plan, skipped) = Plan(module, checkpoint, mapName, otherMismatches);
        foreach (var (stored, target) in plan)
            checkpoint.ReadInto(stored, target);
        return skipped;
    }

    /// <summary>
    /// Checks that <paramref name="checkpoint"/> fits <paramref name="module"/> (names and shapes, as
    /// <see cref="LoadInto"/> does) without reading any tensor. With a module built on <c>torch.META</c>, which holds
    /// shapes but no memory, this checks a checkpoint against a config before anything is allocated.
    /// </summary>
    /// <exception cref="CheckpointMismatchException">Missing, unexpected or mis-shaped tensors, all named in one message.</exception>
    public static void CheckFits(
        nn.Module module,
        SafetensorsCheckpoint checkpoint,
        Func<string, string?>? mapName = null,
        IReadOnlyList<TensorShapeMismatch>? otherMismatches = null
    ) => Plan(module, checkpoint, mapName, otherMismatches);

    private static (List<(string Stored, Tensor Target)> Plan, List<string> Skipped) Plan(
        nn.Module module,
        SafetensorsCheckpoint checkpoint,
        Func<string, string?>? mapName,
        IReadOnlyList<TensorShapeMismatch>? otherMismatches
    )
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(checkpoint);
        mapName ??= name => name;
        var targets = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, parameter) in module.named_parameters())
            targets[name] = parameter;
        foreach (var (name, buffer) in module.named_buffers())
            targets[name] = buffer;

        var plan = new List<(string Stored, Tensor Target)>();
        var assigned = new HashSet<string>(StringComparer.Ordinal);
        var skipped = new List<string>();
        var unexpected = new List<string>();
        var misshaped = new List<TensorShapeMismatch>(otherMismatches ?? []);
        foreach (var stored in checkpoint.Names.OrderBy(n => n, StringComparer.Ordinal))
        {
            var name = mapName(stored);
            if (name is null)
            {
                skipped.Add(stored);
                continue;
            }
            if (!targets.TryGetValue(name, out var target) || !assigned.Add(name))
            {
                unexpected.Add(stored);
                continue;
            }
            var shape = checkpoint.Info(stored).Shape;
            if (!shape.SequenceEqual(target.shape))
            {
                misshaped.Add(new TensorShapeMismatch(name, target.shape, shape));
                continue;
            }
            plan.Add((stored, target));
        }
        var missing = targets.Keys.Where(n => !assigned.Contains(n)).ToList();
        if (missing.Count > 0 || unexpected.Count > 0 || misshaped.Count > 0)
            throw new CheckpointMismatchException(checkpoint.Path, missing, unexpected, misshaped);
        return (plan, skipped);
    }
}
