using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using TorchSharp.Modules;
using Workbook.IO;
using static TorchSharp.torch;

namespace Workbook.Training;

/// <summary>
/// One file with everything needed to resume training: the model's state (parameters and buffers), the optimizer's
/// state (Adam's moments, momentum buffers, step counts) and the <see cref="TrainingHistory"/>. Saving writes a temporary
/// file beside the target and renames it over the target, so a crash mid-write never leaves a half file behind.
/// Introduced with chapter 03.
/// </summary>
/// <remarks>
/// Layout: the 8 bytes <c>WBCKPT</c> 0 1; a little-endian int32 length and UTF-8 JSON header (format, model and optimizer
/// types, epochs, history); then two sections, each an int64 length and bytes — TorchSharp's own
/// <c>Module.save</c> format for the model and <c>save_state_dict</c> format for the optimizer; then (format 2) the
/// 32-byte SHA-256 of everything before it. Loading checks the checksum before it touches the model, so a flipped byte
/// anywhere is refused instead of resuming from silently wrong weights. Format 1 files (no checksum, written before it
/// was added) still load.
/// </remarks>
public static class Checkpoint
{
    private static readonly byte[] Magic = [(byte)'W', (byte)'B', (byte)'C', (byte)'K', (byte)'P', (byte)'T', 0, 1];
    private const int CurrentFormat = 2,
        ChecksumLength = 32;

    private sealed record Header(int Format, string ModelType, string OptimizerType, int Epochs, string History, DateTime SavedUtc);

    /// <summary>Writes model, optimizer state and history to <paramref name="path"/> atomically.</summary>
    /// <exception cref="ArgumentException">The optimizer is not a TorchSharp optimizer with a saveable state.</exception>
    /// <exception cref="IOException">The file cannot be written; the previous checkpoint at <paramref name="path"/> is
    /// untouched.</exception>
    public static void Save(string path, nn.Module model, optim.Optimizer optimizer, TrainingHistory? history = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(model);
        var helper =
            optimizer as OptimizerHelper
            ?? throw new ArgumentException(
                $"Cannot save the state of optimizer type {optimizer?.GetType().Name ?? "null"}; use one of torch.optim's optimizers.",
                nameof(optimizer)
            );
        history ??= new TrainingHistory();

        var modelStream = new MemoryStream();
        model.save(modelStream); // closes the stream; ToArray still works
        var modelBytes = modelStream.ToArray();
        var optimizerStream = new MemoryStream();
        using (var writer = new BinaryWriter(optimizerStream, Encoding.UTF8, leaveOpen: true))
            helper.save_state_dict(writer);
        var optimizerBytes = optimizerStream.ToArray();
        var header = JsonSerializer.SerializeToUtf8Bytes(
            new Header(
                CurrentFormat,
                model.GetType().FullName!,
                optimizer.GetType().FullName!,
                history.Epochs.Count,
                history.ToJson(),
                DateTime.UtcNow
            )
        );

        AtomicFile.Write(
            path,
            file =>
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                void Put(ReadOnlySpan<byte> bytes)
                {
                    file.Write(bytes);
                    hash.AppendData(bytes);
                }
                Put(Magic);
                Put(Int32Bytes(header.Length));
                Put(header);
                Put(Int64Bytes(modelBytes.LongLength));
                Put(modelBytes);
                Put(Int64Bytes(optimizerBytes.LongLength));
                Put(optimizerBytes);
                file.Write(hash.GetHashAndReset());
            }
        );
    }

    /// <summary>
    /// Loads a checkpoint into <paramref name="model"/> and <paramref name="optimizer"/>, which must be built like the
    /// saved ones (same architecture, same optimizer type over the same parameters).
    /// </summary>
    /// <returns>The training history saved with it.</returns>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>, or a directory is there; the message says
    /// which.</exception>
    /// <exception cref="InvalidDataException">The file is not a checkpoint, is truncated, fails its checksum, or does not fit the model or
    /// optimizer; the message says which.</exception>
    public static TrainingHistory Load(string path, nn.Module model, optim.Optimizer optimizer)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(model);
        var helper =
            optimizer as OptimizerHelper
            ?? throw new ArgumentException(
                $"Cannot load state into optimizer type {optimizer?.GetType().Name ?? "null"}; use one of torch.optim's optimizers.",
                nameof(optimizer)
            );
        RequiredFile.Check(path, "checkpoint");

        using var file = File.OpenRead(path);
        var checksummed = EndsWithItsChecksum(file);
        file.Position = 0;
        var magic = ReadExactly(file, Magic.Length, path, "the file signature");
        if (!magic.AsSpan().SequenceEqual(Magic))
            throw new InvalidDataException($"'{path}' is not a workbook checkpoint (it does not start with the WBCKPT signature).");
        var headerLength = BinaryPrimitives.ReadInt32LittleEndian(ReadExactly(file, 4, path, "the header length"));
        if (headerLength <= 0 || headerLength > file.Length - file.Position)
            throw new InvalidDataException(
                $"'{path}' is damaged: its header claims {headerLength} bytes but {file.Length - file.Position} remain."
            );
        Header header;
        try
        {
            header = JsonSerializer.Deserialize<Header>(ReadExactly(file, headerLength, path, "the header"))!;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException(
                $"'{path}' has an unreadable header: {e.Message}"
                    + (
                        checksummed
                            ? ""
                            : " (and its SHA-256 checksum does not match its content: it was changed or cut short after it was saved)"
                    ),
                e
            );
        }
        if (header?.Format is not (1 or CurrentFormat))
            throw new InvalidDataException(
                $"'{path}' is checkpoint format {header?.Format}; this library reads formats 1 and {CurrentFormat}."
            );

        byte[] modelSection,
            optimizerSection;
        try
        {
            modelSection = ReadSection(file, path, "model");
            optimizerSection = ReadSection(file, path, "optimizer");
            var trailing = file.Length - file.Position;
            var expectedTrailing = header.Format == CurrentFormat ? ChecksumLength : 0;
            if (trailing < expectedTrailing)
                throw new InvalidDataException(
                    $"'{path}' is truncated: it ends inside the checksum ({trailing} of {ChecksumLength} bytes)."
                );
            if (trailing > expectedTrailing)
                throw Damaged(
                    path,
                    $"{trailing - expectedTrailing} unexpected bytes follow its "
                        + $"{(expectedTrailing > 0 ? "checksum" : "optimizer section")}",
                    null
                );
        }
        catch (InvalidDataException e) when (header.Format == CurrentFormat && !checksummed)
        {
            throw new InvalidDataException(
                $"{e.Message} Its SHA-256 checksum does not match its content either: "
                    + "the file was changed or cut short after it was saved. Nothing was loaded.",
                e
            );
        }
        // Checked before anything is loaded: a flipped byte in the tensor data would otherwise resume silently.
        if (header.Format == CurrentFormat && !checksummed)
            throw Damaged(path, "its SHA-256 checksum does not match its content (a byte was changed after it was saved)", null);
        if (header.OptimizerType != optimizer.GetType().FullName)
            throw new InvalidDataException(
                $"'{path}' holds the state of a {ShortName(header.OptimizerType)} optimizer, "
                    + $"but a {optimizer.GetType().Name} was given. Create the same optimizer type as when it was saved."
            );

        try
        {
            model.load(new MemoryStream(modelSection), strict: true);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or EndOfStreamException or IOException)
        {
            throw new InvalidDataException(
                $"'{path}' holds a {ShortName(header.ModelType)} whose parameters do not fit this {model.GetType().Name}: {e.Message}",
                e
            );
        }
        try
        {
            using var reader = new BinaryReader(new MemoryStream(optimizerSection));
            helper.load_state_dict(reader);
        }
        catch (Exception e)
            when (e is ArgumentException or InvalidOperationException or EndOfStreamException or IOException or InvalidDataException)
        {
            throw new InvalidDataException(
                $"'{path}': the saved {ShortName(header.OptimizerType)} state does not fit this optimizer's parameters: {e.Message}",
                e
            );
        }
        return TrainingHistory.FromJson(header.History);
    }

    private static string ShortName(string fullName) => fullName[(fullName.LastIndexOfAny(['.', '+']) + 1)..];

    private static InvalidDataException Damaged(string path, string problem, Exception? inner) =>
        new($"'{path}' is damaged: {problem}. Nothing was loaded; use an earlier checkpoint or train again.", inner);

    private static byte[] Int32Bytes(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        return bytes;
    }

    private static byte[] Int64Bytes(long value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        return bytes;
    }

    /// <summary>True when the file's last 32 bytes are the SHA-256 of everything before them (the format 2 layout, undamaged).</summary>
    private static bool EndsWithItsChecksum(FileStream file)
    {
        var covered = file.Length - ChecksumLength;
        if (covered < Magic.Length + 4)
            return false;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        file.Position = 0;
        for (var left = covered; left > 0; )
        {
            var read = file.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (read == 0)
                return false;
            hash.AppendData(buffer, 0, read);
            left -= read;
        }
        var stored = new byte[ChecksumLength];
        file.ReadExactly(stored);
        return stored.AsSpan().SequenceEqual(hash.GetHashAndReset());
    }

    private static byte[] ReadSection(Stream stream, string path, string what)
    {
        var length = BinaryPrimitives.ReadInt64LittleEndian(ReadExactly(stream, 8, path, $"the {what} section length"));
        if (length < 0 || length > stream.Length - stream.Position)
            throw new InvalidDataException(
                $"'{path}' is truncated: the {what} section needs {length} bytes but {stream.Length - stream.Position} remain."
            );
        if (length > Array.MaxLength)
            throw new InvalidDataException(
                $"'{path}': the {what} section has {length:N0} bytes, more than one section can hold ({Array.MaxLength:N0})."
            );
        return ReadExactly(stream, (int)length, path, $"the {what} section");
    }

    private static byte[] ReadExactly(Stream stream, int count, string path, string what)
    {
        var buffer = new byte[count];
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"'{path}' is truncated: it ends inside {what}.", e);
        }
        return buffer;
    }
}
