// One file, three consumers: the library and the runner (WORKBOOK_RUNNER: an internal copy) compile it with WORKBOOK_LIB defined; MSBuild
// compiles it without, through RoslynCodeTaskFactory (build/TorchSharpNativeFix.targets), which adds the task class at the end. MSBuild
// compiles it against netstandard2.0, hence the plain APIs (no spans, records or .NET 7 file APIs).
#nullable enable
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;

namespace Workbook.Native
{
    /// <summary>What <see cref="LibTorchSharpGlibcxxFix.PatchFile"/> found and did.</summary>
#if WORKBOOK_RUNNER
    internal
#else
    public
#endif
    enum PatchOutcome
    {
        /// <summary>The flag was changed (one byte written): by <c>PatchFile</c>, the requirement is now weak.</summary>
        Patched,

        /// <summary>The flag already had the requested value (for <c>PatchFile</c>: already weak); nothing written.</summary>
        AlreadyWeak,

        /// <summary>The file does not require that version; nothing written.</summary>
        NoSuchVersion,
    }

    /// <summary>
    /// Makes TorchSharp 0.107's <c>libLibTorchSharp.so</c> loadable on systems whose libstdc++ predates GCC 13
    /// (Debian 12, Ubuntu 22.04). The library was linked with GCC 15 and so requires the symbol version
    /// <c>GLIBCXX_3.4.32</c>, whose only symbol (<c>std::ios_base_library_init()</c>) is a link-time marker it
    /// never calls. The dynamic loader refuses a missing version unless its requirement is flagged weak
    /// (<c>VER_FLG_WEAK</c> in the <c>.gnu.version_r</c> entry); setting that flag is a one-byte, idempotent edit.
    /// TorchSharp then reports a misleading "doesn't contain a reference to libtorch-cpu" error; <c>ldd</c> shows
    /// the real one.
    /// </summary>
#if WORKBOOK_RUNNER
    internal // the runner's private copy; the library's is the public one
#else
    public
#endif
    static class LibTorchSharpGlibcxxFix
    {
        /// <summary>The symbol version TorchSharp 0.107 requires and older systems lack.</summary>
        public const string RequiredVersion = "GLIBCXX_3.4.32";

        private const uint ShtGnuVerdef = 0x6ffffffd;
        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const ushort VerFlagWeak = 0x2;
        private const string LibraryName = "libLibTorchSharp.so";

        private static readonly string[] LibStdCxxFolders =
        [
            "/usr/lib/x86_64-linux-gnu",
            "/lib/x86_64-linux-gnu",
            "/usr/lib64",
            "/lib64",
            "/usr/lib",
            "/lib",
        ];

        private static readonly Lazy<string?> SystemGlibcxx = new(FindHighestSystemGlibcxx);

        /// <summary>
        /// True on Linux x64 when the system's libstdc++ does not define <see cref="RequiredVersion"/>, i.e. when
        /// TorchSharp's native library cannot load unpatched.
        /// </summary>
        public static bool IsNeeded() =>
            RuntimeInformation.IsOSPlatform(OSPlatform.Linux)
            && RuntimeInformation.ProcessArchitecture == Architecture.X64
            && SystemGlibcxx.Value is { } highest
            && CompareVersions(highest, RequiredVersion) < 0;

        /// <summary>The highest <c>GLIBCXX_</c> version the system's libstdc++ defines; null if none was found.</summary>
        public static string? HighestSystemGlibcxx() => SystemGlibcxx.Value;

        /// <summary>
        /// Every existing <c>libLibTorchSharp.so</c> that TorchSharp might load: beside the application
        /// (<paramref name="appBaseDirectory"/>, its <c>runtimes/linux-x64/native</c>, and the <c>cpu</c>/<c>cuda</c>
        /// folders TorchSharp consolidates natives into), and in the NuGet packages folder (the package's own copy
        /// and the consolidated copies TorchSharp makes under <c>lib/*/cpu|cuda</c> when a notebook loads it).
        /// </summary>
        /// <param name="appBaseDirectory">An application folder to include; none when null.</param>
        /// <param name="packagesRoot">The NuGet packages folder; <c>$NUGET_PACKAGES</c> or <c>~/.nuget/packages</c> when null.</param>
        public static IReadOnlyList<string> CandidatePaths(string? appBaseDirectory = null, string? packagesRoot = null)
        {
            var candidates = new List<string>();
            if (!string.IsNullOrEmpty(appBaseDirectory))
            {
                candidates.Add(Path.Combine(appBaseDirectory, LibraryName));
                candidates.Add(Path.Combine(appBaseDirectory, "runtimes", "linux-x64", "native", LibraryName));
                candidates.Add(Path.Combine(appBaseDirectory, "cpu", LibraryName));
                candidates.Add(Path.Combine(appBaseDirectory, "cuda", LibraryName));
            }
            var torchSharpPackage = Path.Combine(packagesRoot ?? DefaultPackagesRoot(), "torchsharp");
            if (Directory.Exists(torchSharpPackage))
            {
                foreach (var version in Directory.EnumerateDirectories(torchSharpPackage))
                {
                    candidates.Add(Path.Combine(version, "runtimes", "linux-x64", "native", LibraryName));
                    var lib = Path.Combine(version, "lib");
                    if (!Directory.Exists(lib))
                        continue;
                    foreach (var framework in Directory.EnumerateDirectories(lib))
                    {
                        candidates.Add(Path.Combine(framework, "cpu", LibraryName));
                        candidates.Add(Path.Combine(framework, "cuda", LibraryName));
                    }
                }
            }
            return candidates.Where(File.Exists).Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).ToList();
        }

        /// <summary>
        /// Where needed (<see cref="IsNeeded"/>), patches every candidate copy and returns one line per file changed
        /// (or that could not be changed, saying what to do). Empty when there was nothing to do. Idempotent: a
        /// copy already patched is only read.
        /// </summary>
        /// <param name="appBaseDirectory">An application folder whose copies to include (e.g. <c>AppContext.BaseDirectory</c>).</param>
        /// <param name="packagesRoot">The NuGet packages folder; the default one when null.</param>
        public static IReadOnlyList<string> EnsureLoadable(string? appBaseDirectory = null, string? packagesRoot = null)
        {
            if (!IsNeeded())
                return Array.Empty<string>();
            var lines = new List<string>();
            foreach (var path in CandidatePaths(appBaseDirectory, packagesRoot))
            {
                try
                {
                    if (PatchFile(path) == PatchOutcome.Patched)
                        lines.Add(
                            $"Patched {path}: marked its {RequiredVersion} requirement weak because this system's libstdc++ "
                                + $"stops at {HighestSystemGlibcxx()} (TorchSharp 0.107 was linked with GCC 15; the only symbol "
                                + "behind that version is never called)."
                        );
                }
                catch (InvalidDataException e)
                {
                    // Checked before IOException, its base class: a damaged copy (e.g. an interrupted restore), not a permission problem.
                    lines.Add(
                        $"Could not patch {path}: {e.Message} TorchSharp cannot load it either; delete that torchsharp "
                            + "package folder (or the application's copy) and restore or build again."
                    );
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    lines.Add(
                        $"Could not patch {path} ({e.Message}); TorchSharp will fail to load from it on this system. "
                            + "Make the file writable (or run the set-up as its owner) and try again."
                    );
                }
            }
            return lines;
        }

        /// <summary>
        /// Marks the <see cref="RequiredVersion"/> requirement of an ELF64 little-endian shared object weak. Writes
        /// atomically (a temporary copy in the same folder, then a rename), keeping the file's mode.
        /// </summary>
        /// <exception cref="InvalidDataException">The file is not an ELF64 little-endian object with a version-needs section.</exception>
        public static PatchOutcome PatchFile(string path) => SetRequirementWeak(path, weak: true);

        /// <summary>
        /// Sets or clears the weak flag of the <see cref="RequiredVersion"/> requirement (clearing undoes
        /// <see cref="PatchFile"/>); <see cref="PatchOutcome.AlreadyWeak"/> means the flag already had that value.
        /// </summary>
        internal static PatchOutcome SetRequirementWeak(string path, bool weak)
        {
            if (string.IsNullOrEmpty(path))
                throw new ArgumentException("A file path is required.", nameof(path));
            var bytes = File.ReadAllBytes(path);
            var flagsOffset = FindRequirementFlags(bytes, path, RequiredVersion);
            if (!(flagsOffset is int offset))
                return PatchOutcome.NoSuchVersion;
            var flags = U16(bytes, offset);
            if (((flags & VerFlagWeak) != 0) == weak)
                return PatchOutcome.AlreadyWeak;
            flags = weak ? (ushort)(flags | VerFlagWeak) : (ushort)(flags & ~VerFlagWeak);

            // Copy (which keeps the file mode), patch the copy, then rename it over the original: atomic.
            var temporary = Path.Combine(
                Path.GetDirectoryName(Path.GetFullPath(path))!,
                "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp"
            );
            try
            {
                File.Copy(path, temporary, overwrite: true);
                using (var stream = new FileStream(temporary, FileMode.Open, FileAccess.Write))
                {
                    stream.Position = offset;
                    stream.WriteByte((byte)(flags & 0xff));
                    stream.WriteByte((byte)(flags >> 8));
                }
                File.Replace(temporary, path, destinationBackupFileName: null);
            }
            finally
            {
                if (File.Exists(temporary))
                    File.Delete(temporary);
            }
            return PatchOutcome.Patched;
        }

        /// <summary>Reads whether the file's <see cref="RequiredVersion"/> requirement is weak; null when it has none.</summary>
        /// <exception cref="InvalidDataException">The file is not an ELF64 little-endian object with a version-needs section.</exception>
        public static bool? IsRequirementWeak(string path)
        {
            var bytes = File.ReadAllBytes(path);
            return FindRequirementFlags(bytes, path, RequiredVersion) is int offset ? (U16(bytes, offset) & VerFlagWeak) != 0 : (bool?)null;
        }

        /// <summary>The file offset of <c>vna_flags</c> of the named version requirement, or null.</summary>
        private static int? FindRequirementFlags(byte[] elf, string path, string versionName)
        {
            var sections = ReadSections(elf, path);
            var verneed =
                sections.FirstOrDefault(s => s.Type == ShtGnuVerneed)
                ?? throw new InvalidDataException(
                    $"{path} has no .gnu.version_r section (no symbol version requirements); it is not the library this fix is for."
                );
            var strings = StringTable(sections, verneed, path);
            var entry = verneed.Offset;
            for (var i = 0; i < verneed.Info; i++)
            {
                Require(elf, entry, 16, path);
                var count = U16(elf, entry + 2);
                var aux = entry + (int)U32(elf, entry + 8);
                for (var j = 0; j < count; j++)
                {
                    Require(elf, aux, 16, path);
                    var name = ReadString(elf, strings, U32(elf, aux + 8), path);
                    if (name == versionName)
                        return aux + 4;
                    aux += (int)U32(elf, aux + 12);
                }
                var next = U32(elf, entry + 12);
                if (next == 0)
                    break;
                entry += (int)next;
            }
            return null;
        }

        private static string? FindHighestSystemGlibcxx()
        {
            foreach (var folder in LibStdCxxFolders)
            {
                var path = Path.Combine(folder, "libstdc++.so.6");
                if (!File.Exists(path))
                    continue;
                try
                {
                    return DefinedVersions(File.ReadAllBytes(path), path)
                        .Where(v => v.StartsWith("GLIBCXX_", StringComparison.Ordinal))
                        .OrderBy(v => v, Comparer<string>.Create(CompareVersions))
                        .LastOrDefault();
                }
                catch (InvalidDataException)
                {
                    // Not the architecture we parse (e.g. a 32-bit copy in /usr/lib); try the next folder.
                }
            }
            return null;
        }

        /// <summary>The version names a shared object defines (its <c>.gnu.version_d</c>).</summary>
        private static IEnumerable<string> DefinedVersions(byte[] elf, string path)
        {
            var sections = ReadSections(elf, path);
            var verdef =
                sections.FirstOrDefault(s => s.Type == ShtGnuVerdef)
                ?? throw new InvalidDataException($"{path} defines no symbol versions.");
            var strings = StringTable(sections, verdef, path);
            var names = new List<string>();
            var entry = verdef.Offset;
            for (var i = 0; i < verdef.Info; i++)
            {
                Require(elf, entry, 20, path);
                var aux = entry + (int)U32(elf, entry + 12);
                Require(elf, aux, 8, path);
                names.Add(ReadString(elf, strings, U32(elf, aux), path));
                var next = U32(elf, entry + 16);
                if (next == 0)
                    break;
                entry += (int)next;
            }
            return names;
        }

        /// <summary>Orders <c>GLIBCXX_3.4.30</c> before <c>GLIBCXX_3.4.32</c> numerically, part by part.</summary>
        private static int CompareVersions(string a, string b)
        {
            int[] Parts(string v) => v.Substring(v.IndexOf('_') + 1).Split('.').Select(p => int.TryParse(p, out var n) ? n : 0).ToArray();
            var x = Parts(a);
            var y = Parts(b);
            for (var i = 0; i < Math.Max(x.Length, y.Length); i++)
            {
                var c = (i < x.Length ? x[i] : 0).CompareTo(i < y.Length ? y[i] : 0);
                if (c != 0)
                    return c;
            }
            return 0;
        }

        private sealed class Section
        {
            public Section(uint type, int offset, int size, uint link, uint info)
            {
                Type = type;
                Offset = offset;
                Size = size;
                Link = link;
                Info = info;
            }

            public uint Type { get; }
            public int Offset { get; }
            public int Size { get; }
            public uint Link { get; }
            public uint Info { get; }
        }

        private static ushort U16(byte[] b, int at) => (ushort)(b[at] | b[at + 1] << 8);

        private static uint U32(byte[] b, int at) => (uint)(b[at] | b[at + 1] << 8 | b[at + 2] << 16 | b[at + 3] << 24);

        private static ulong U64(byte[] b, int at) => U32(b, at) | (ulong)U32(b, at + 4) << 32;

        private static List<Section> ReadSections(byte[] elf, string path)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException($"{path} is not an ELF file.");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException($"{path} is not a 64-bit little-endian ELF file (class {elf[4]}, data {elf[5]}).");
            var sectionHeaders = U64(elf, 0x28);
            var entrySize = U16(elf, 0x3A);
            var count = U16(elf, 0x3C);
            if (entrySize < 64 || sectionHeaders + (ulong)entrySize * count > (ulong)elf.Length)
                throw new InvalidDataException($"{path} is truncated or corrupt: its section headers lie outside the file.");
            var sections = new List<Section>(count);
            for (var i = 0; i < count; i++)
            {
                var header = (int)sectionHeaders + i * entrySize;
                var offset = U64(elf, header + 24);
                var size = U64(elf, header + 32);
                var type = U32(elf, header + 4);
                if (
                    type != 8 /* SHT_NOBITS */
                    && offset + size > (ulong)elf.Length
                )
                    throw new InvalidDataException($"{path} is truncated or corrupt: section {i} lies outside the file.");
                sections.Add(new Section(type, (int)offset, (int)size, U32(elf, header + 40), U32(elf, header + 44)));
            }
            return sections;
        }

        private static Section StringTable(List<Section> sections, Section owner, string path) =>
            owner.Link < sections.Count
                ? sections[(int)owner.Link]
                : throw new InvalidDataException($"{path}: a version section links to a missing string table.");

        private static string ReadString(byte[] elf, Section table, uint offset, string path)
        {
            if (offset >= table.Size)
                throw new InvalidDataException($"{path}: a version name lies outside its string table.");
            var start = table.Offset + (int)offset;
            var end = Array.IndexOf(elf, (byte)0, start, table.Offset + table.Size - start);
            if (end < 0)
                throw new InvalidDataException($"{path}: an unterminated version name.");
            return Encoding.ASCII.GetString(elf, start, end - start);
        }

        private static void Require(byte[] elf, int offset, int length, string path)
        {
            if (offset < 0 || offset + length > elf.Length)
                throw new InvalidDataException($"{path} is truncated or corrupt: a version entry lies outside the file.");
        }

        private static string DefaultPackagesRoot() =>
            System.Environment.GetEnvironmentVariable("NUGET_PACKAGES") is string configured && configured.Length > 0
                ? configured
                : Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".nuget", "packages");
    }
}

#if !WORKBOOK_LIB
namespace Workbook.Build
{
    /// <summary>MSBuild task: applies <see cref="Workbook.Native.LibTorchSharpGlibcxxFix"/> to the NuGet cache during a build.</summary>
    public class PatchLibTorchSharpForOldLibStdCxx : Microsoft.Build.Utilities.Task
    {
        /// <summary>The NuGet packages folder ($(NuGetPackageRoot)); the default one when empty.</summary>
        public string? PackageRoot { get; set; }

        /// <summary>An application folder whose copies to fix as well (optional).</summary>
        public string? AppBase { get; set; }

        /// <summary>Patches what needs it and logs one line per file changed. Never fails the build.</summary>
        public override bool Execute()
        {
            var root = string.IsNullOrWhiteSpace(PackageRoot) ? null : PackageRoot;
            var appBase = string.IsNullOrWhiteSpace(AppBase) ? null : AppBase;
            foreach (var line in Workbook.Native.LibTorchSharpGlibcxxFix.EnsureLoadable(appBase, root))
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High, line);
            return true;
        }
    }
}
#endif
