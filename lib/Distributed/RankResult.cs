using System.Text.Json;
using Workbook.IO;

namespace Workbook.Distributed;

/// <summary>
/// What one rank of a run reports, written as <c>rank-&lt;r&gt;.json</c> in the run's output folder (atomically, so
/// a reader never sees half a file) and read back by the launcher's caller.
/// Introduced with chapter 17.
/// </summary>
/// <param name="Rank">The rank.</param>
/// <param name="Size">Processes in the job.</param>
/// <param name="Host">Machine name the rank ran on.</param>
/// <param name="ProcessId">Operating-system process id of the rank.</param>
/// <param name="Mode"><c>mpi</c> (started by mpirun) or <c>single</c> (no MPI at all).</param>
/// <param name="Threads">Torch intra-op threads the rank used.</param>
/// <param name="Settings">The run's settings.</param>
/// <param name="Steps">Every step as this rank saw it.</param>
/// <param name="SamplesPerSecond">Global rows per second over the steps after the warm-up (total rows / total step time).</param>
/// <param name="TrainSeconds">Wall time of the whole training loop on this rank.</param>
/// <param name="FinalParameters">All parameters after the last step, rank 0 only (the one rank that saves); null on others.</param>
public sealed record RankResult(
    int Rank,
    int Size,
    string Host,
    int ProcessId,
    string Mode,
    int Threads,
    DataParallelSettings Settings,
    IReadOnlyList<DataParallelStep> Steps,
    double SamplesPerSecond,
    double TrainSeconds,
    double[]? FinalParameters
)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = false,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The file name of rank <paramref name="rank"/>'s result.</summary>
    public static string FileName(int rank) => $"rank-{rank}.json";

    /// <summary>Writes this result into <paramref name="folder"/> atomically and returns the file's path.</summary>
    public string Write(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var path = Path.Combine(folder, FileName(Rank));
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json));
        return path;
    }

    /// <summary>Reads the results of ranks 0 … <paramref name="size"/> − 1 from <paramref name="folder"/>, in rank order.</summary>
    /// <exception cref="FileNotFoundException">A rank's file is missing (the rank failed before writing it); the message lists
    /// which.</exception>
    /// <exception cref="InvalidDataException">A file is not a result, or claims another rank or job size.</exception>
    public static IReadOnlyList<RankResult> ReadAll(string folder, int size)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var paths = Enumerable.Range(0, size).Select(r => Path.Combine(folder, FileName(r))).ToArray();
        var missing = paths.Where(p => !File.Exists(p)).ToArray();
        if (missing.Length > 0)
            throw new FileNotFoundException(
                $"No result from {missing.Length} of {size} ranks ({string.Join(", ", missing.Select(Path.GetFileName))} missing in "
                    + $"{folder}): those ranks failed before finishing; see the launch output.",
                missing[0]
            );
        var results = new List<RankResult>();
        for (var r = 0; r < size; r++)
        {
            RankResult? result;
            try
            {
                result = JsonSerializer.Deserialize<RankResult>(File.ReadAllText(paths[r]), Json);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{paths[r]} is not a rank result: {e.Message}", e);
            }
            if (result is null || result.Steps is null || result.Settings is null)
                throw new InvalidDataException($"{paths[r]} is not a rank result (empty or missing fields).");
            if (result.Rank != r || result.Size != size)
                throw new InvalidDataException(
                    $"{paths[r]} reports rank {result.Rank} of {result.Size}; expected rank {r} of {size} (a stale file from another "
                        + "run? use a fresh output folder)."
                );
            results.Add(result);
        }
        return results;
    }
}
