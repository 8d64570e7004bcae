// Generated from notebooks/00-environment-setup.ipynb by tools/notebook-to-app.sh: edit the notebook, then regenerate.
// Run from the repository root: dotnet run apps/00-environment-setup.cs
// The notebook's cells run one after another (each begins at its `// Cell N`); what a cell shows is printed,
// and each chart is written as an HTML page whose path is printed. The native libtorch is chosen when the app is
// built (WORKBOOK_TORCH_BACKEND=cpu|cuda forces one; see apps/Directory.Build.targets).
#:project ../lib/Workbook.csproj
#:property PublishAot=false
#:property ImplicitUsings=disable
#:property Nullable=annotations

using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using TorchSharp;
using static TorchSharp.torch;
using Workbook;
using Workbook.Runtime;
using Workbook.Notebook;
using Microsoft.Data.Analysis;
using Plotly.NET.CSharp;
using Workbook.Notebook.Apps;   // .Display() on the console

// # 00 · Environment setup: TorchSharp in a .NET notebook
//
// PyTorch tutorials start with `pip install torch torchvision` and `print(torch.__version__)`. This chapter is the
// .NET version of that step, done thoroughly: by the end you know what is installed, what runs where, and how to keep
// a notebook from leaking native memory.
//
// **What you will learn**
// - what TorchSharp and libtorch are, and how they map to PyTorch;
// - how the CPU and CUDA packages differ and how the first cell of every chapter picks one;
// - how to check an install: .NET, TorchSharp and libtorch versions, threads, CUDA, and a timed matrix product;
// - the known traps of TorchSharp in notebooks, with their symptoms and fixes;
// - why tensors must be disposed, and how dispose scopes make that automatic.
//
// Runs on a laptop CPU in well under a minute. Needs no GPU and no internet once the packages are restored.

// ## TorchSharp, libtorch and PyTorch
//
// PyTorch is two things: **libtorch**, the C++ tensor library that does the work, and the Python layer on top.
// **TorchSharp** replaces the Python layer with .NET: the same libtorch binaries, called from C#, with the same names
// wherever C# allows (`torch.randn`, `nn.Linear`, `optim.Adam`, `tensor.backward()`).
//
// | PyTorch | TorchSharp |
// |---|---|
// | `pip install torch` | `#r "nuget: TorchSharp, 0.107.0"` **plus** one native package (below) |
// | `import torch` | `using TorchSharp; using static TorchSharp.torch;` |
// | `torch.__version__` | `torch.__version__` (the libtorch version) |
// | `torch.cuda.is_available()` | `torch.cuda.is_available()` |
// | `x = torch.randn(3, 4)` | `var x = torch.randn(3, 4);` |
// | `with torch.no_grad():` | `using (torch.no_grad()) { ... }` |
// | tensors freed by reference counting | tensors freed by `Dispose()` — see the last section |
//
// The NuGet package `TorchSharp` holds only managed code. The native code comes in a separate package, and that is
// where CPU and GPU differ:
//
// | package | what it holds | size |
// |---|---|---|
// | `libtorch-cpu-linux-x64` | libtorch for the CPU, Linux x64 only | ≈ 600 MB |
// | `TorchSharp-cpu` | TorchSharp + libtorch CPU for Linux, Windows and macOS | ≈ 1.4 GB |
// | `TorchSharp-cuda-linux` / `TorchSharp-cuda-windows` | TorchSharp + libtorch built with CUDA | several GB |
//
// A process can load only one libtorch. So the first cell decides before any tensor exists: it looks for an NVIDIA
// driver (without loading CUDA), and loads the matching package. The environment variable `WORKBOOK_TORCH_BACKEND`
// (`cpu`, `cuda` or `auto`) overrides the choice; set it before starting the kernel.
//
// > **Classic mistake.** `pip install torch` on Linux silently installs the multi-gigabyte CUDA build even on a
// > machine without a GPU. The .NET equivalent is the opposite surprise: referencing only `TorchSharp` gives *"This
// > application or script uses TorchSharp but doesn't contain a reference to libtorch-cpu-..."* on the first tensor.
// > You always need the managed package **and** one native package — which is what the next cell does.

// Cell 3
// Every chapter starts with this cell. It loads the workbook library (lib/, built by the README's set-up), then
// TorchSharp, the native libtorch for this machine (CUDA when an NVIDIA GPU is present; WORKBOOK_TORCH_BACKEND=cpu|cuda
// forces either) and the library's packages at the versions the repository pins — one line of output, not a list per package.
// In the notebook: #r "../lib/bin/Workbook.dll" (here the #:project line at the top)
// Notebook only: using Microsoft.DotNet.Interactive; (an app's .Display() comes from Workbook.Notebook.Apps)
// In the notebook: await Workbook.Notebook.ChapterSetup.LoadAsync(Kernel.Root);
// An app cannot add packages while it runs: its build chose the native libtorch (apps/Directory.Build.targets).
Workbook.Notebook.AppSetup.Load();

// Cell 4
// ...and every chapter's second cell starts with the usings it needs and the device the first cell chose.
var device = Workbook.Notebook.ChapterSetup.Device;
device.Display();

// The first cell showed one line of packages, then one saying which backend it loaded and why and which device the
// chapter will compute on (and, on a machine with another libtorch on the system path, one more saying how it kept
// that one out). `ChapterSetup.LoadAsync` (`lib/Notebook/ChapterSetup.cs`) is what you would otherwise write at the
// top of every chapter: it asks `TorchBackend.Choose()` (`lib/Environment/`) for the native package, submits one `#r
// "nuget: …"` line per package as code, initialises the backend, and sets three display rules — only severe compiler
// warnings under cells, six significant digits for numbers, charts drawn with a local plotly.js. Read it; it is
// short.
//
// > **Question.** Why does `ChapterSetup` submit the `#r` directives as code instead of the cell writing them on
// > lines of their own? (Hint: `#r` lines run before any C# in the cell, so a plain `#r` cannot depend on an `if`.)
//
// ## Checking the install
//
// `EnvironmentReport.Collect` gathers the facts you would check by hand. A report renders as a table because the
// library marks its types with a formatter source the notebook kernel understands — the library does not depend on
// any notebook package.

// Cell 6
var report = EnvironmentReport.Collect(DeviceChoice.Best());
report.Display();

// The same facts as a `Microsoft.Data.Analysis` DataFrame — the .NET counterpart of a pandas DataFrame, which later
// chapters use for results you want to sort and filter:

// Cell 8
var diagnostics = new DataFrame(
    new StringDataFrameColumn("Check", report.Checks.Select(c => c.Check)),
    new StringDataFrameColumn("Value", report.Checks.Select(c => c.Value)));
diagnostics.Display();

// ## How fast is this machine?
//
// A product of two *n × n* matrices costs 2*n*³ floating-point operations, so timing one gives GFLOP/s — the number
// to compare with your hardware's peak. Small products are dominated by call overhead; large ones by arithmetic and
// memory bandwidth. A plot shows where the curve flattens better than a table would.

// Cell 10
int[] sizes = [32, 64, 128, 256, 512, 768];
var runs = sizes.Select(n => MatmulThroughput.Measure(n, repeats: 5, device: device)).ToList();
foreach (var run in runs) Console.WriteLine(run);

Chart.Line<int, double, string>(x: sizes, y: runs.Select(r => r.GigaFlops), ShowMarkers: true, Name: "float32 matmul")
     .WithXAxisStyle<int, int, string>(TitleText: "matrix side n")
     .WithYAxisStyle<double, double, string>(TitleText: $"GFLOP/s on {device.type}")
     .Titled($"Matrix-product throughput on this machine ({torch.get_num_threads()} threads)").Display();

// libtorch parallelises each operation over `torch.get_num_threads()` threads (by default, one per physical core). On
// a shared machine you may want fewer: `torch.set_num_threads(n)` — PyTorch's call, same name.

// Cell 12
Console.WriteLine($"intra-op threads: {torch.get_num_threads()}, logical processors: {Environment.ProcessorCount}");

// ## Known traps, their symptoms and fixes
//
// | symptom | cause | fix |
// |---|---|---|
// | `NotSupportedException: ... doesn't contain a reference to libtorch-cpu-linux-x64` although the package is referenced, on Debian 12 or Ubuntu 22.04 | TorchSharp 0.107's `libLibTorchSharp.so` asks for `GLIBCXX_3.4.32` (GCC 13+); older libstdc++ stops at 3.4.30. `ldd` shows the real error. | Done for you: the build, the runner and `TorchBackend.Initialize()` mark that one unused requirement weak (`lib/Native/LibTorchSharpGlibcxxFix.cs`) and print a line when they change a file. Newer distributions need nothing. |
// | the same `NotSupportedException`, or the kernel crashes, on a machine with Debian/Ubuntu's `python3-torch` | that package puts libtorch 1.13 on the system library path; TorchSharp's first probe loads libraries by bare name and picks it up, mixing two libtorch versions in one process | Done for you: `TorchBackend.Initialize()` loads the package's own `libc10`, `libtorch_cpu` and `libtorch` by full path first, so every later lookup resolves to them (`lib/Native/PackagedLibTorchPreload.cs`), and says so when it found a system libtorch. |
// | `DllNotFoundException: LibTorchSharp` on `nn.Linear(...)` in a fresh notebook | the first TorchSharp call was a module constructor, which does not trigger native loading | call `torch.InitializeDeviceType(DeviceType.CPU)` (or any `torch.*` function) first — `TorchBackend.Initialize()` does |
// | `Could not load file or assembly 'FSharp.Core, Version=10.1.0.0'` on a chart cell under Jupyter | Plotly.NET 6 needs a newer FSharp.Core than the dotnet-interactive tool ships | `tools/jupyter/setup.sh` installs a private copy of the tool with the right FSharp.Core |
// | a package change in a notebook seems ignored | `~/.packagemanagement` caches resolved `#r "nuget"` paths | delete `~/.packagemanagement` and restart the kernel |
// | `#r "x.csproj"` fails | the kernel cannot reference projects | reference the built DLL, as the first cell does with `../lib/bin/Workbook.dll` |
// | memory grows every time you rerun a cell | tensors not disposed (below) | dispose scopes |

// With the backend initialised, a module constructor is safe:

// Cell 15
var layer = nn.Linear(4, 2);
Console.WriteLine($"{layer.GetType().Name} with {layer.parameters().Sum(p => p.numel())} parameters");

// ## Tensor memory in notebooks
//
// A TorchSharp tensor is a small .NET object holding a handle to native memory. The .NET garbage collector sees only
// the small object, so it feels no pressure to collect while gigabytes of native memory pile up. Python frees a
// tensor the moment its last reference goes; in .NET **you** decide, with `Dispose()` — or, much easier, with a
// **dispose scope**: every tensor created inside `using (torch.NewDisposeScope())` is disposed when the scope ends,
// except those you move out with `MoveToOuterDisposeScope()`.
//
// `LiveTensors.Count` counts the tensors alive on this thread. Watch it:

// Cell 17
long Step(Tensor x) => (x * 2 + 1).sum().item<float>() > 0 ? 1 : 0;   // three temporaries per call

var input = torch.randn(1000);
var before = LiveTensors.Count;
for (var i = 0; i < 100; i++) Step(input);
var leakedWithoutScope = LiveTensors.Count - before;

before = LiveTensors.Count;
for (var i = 0; i < 100; i++)
{
    using var scope = torch.NewDisposeScope();
    Step(input);
}
var leakedWithScope = LiveTensors.Count - before;

Tensor kept;
using (torch.NewDisposeScope())
{
    kept = (input * 3).MoveToOuterDisposeScope();   // survives the scope; everything else inside is freed
}

new Workbook.Notebook.Table(["loop of 100 calls", "tensors left alive"], [
    ["without a dispose scope", leakedWithoutScope.ToString()],
    ["with a dispose scope per iteration", leakedWithScope.ToString()],
]).Display();

// Without a scope every call leaves its temporaries behind (until a garbage collection finalizes them, whenever that
// is); with one, nothing is left. Training loops in later chapters open one scope per batch.
//
// ## Exercises
//
// 1. Set `WORKBOOK_TORCH_BACKEND=cuda` on a machine without a GPU and restart the kernel. What does the first cell
//    say, and where does it fail? Now set it to `banana`. Is the message good enough to act on?
//    <details><summary>Hint</summary>
//
//    Read `TorchBackend.Choose(string?, NvidiaGpu, TorchPlatform)`: `cuda` is taken at its word on Linux and Windows
//    x64, so the choice succeeds and `ChapterSetup` submits `#r "nuget: TorchSharp-cuda-linux, 0.107.0"` (or
//    `-cuda-windows`). The failure comes later: restoring that multi-gigabyte package, or loading its natives in
//    `Initialize()` (`torch.InitializeDeviceType(DeviceType.CUDA)`), before the `Backend:` line is printed. `banana`
//    never gets that far: `Choose` throws an `ArgumentException` that names the variable, repeats the value and lists
//    `cpu`, `cuda` and `auto`. You can call `Choose` with your own arguments to see both without restarting.
//    </details>
// 2. Rerun the throughput plot with `torch.set_num_threads(1)`. How much of the speed came from threads?
//    <details><summary>Hint</summary>
//
//    Note `torch.get_num_threads()` first, call `torch.set_num_threads(1)`, rerun the plot cell, then set the old
//    value back. Compare `GigaFlops` size by size: at n = 32 or 64 call overhead dominates and threads change little;
//    at the large sizes one thread can be at most about as many times slower as you have physical cores. On a busy
//    machine repeat each run: other processes move these numbers.
//    </details>
// 3. Change `Step` so that it returns the tensor instead of a number, keep it alive across the scope with
//    `MoveToOuterDisposeScope()`, and check the counts again.
//    <details><summary>Solution</summary>
//
//    ```csharp
//    Tensor StepTensor(Tensor x) => (x * 2 + 1).sum();      // returns the tensor; three tensors per call
//    var before3 = LiveTensors.Count;
//    var keptResults = new List<Tensor>();
//    for (var i = 0; i < 100; i++)
//    {
//        using var scope = torch.NewDisposeScope();
//        keptResults.Add(StepTensor(input).MoveToOuterDisposeScope());
//    }
//    Console.WriteLine(LiveTensors.Count - before3);       // 100: only the moved results survive
//    ```
//    Without the scope the loop leaves 300 tensors (three per call); with the scope and the move, 100: one per
//    iteration, the one you asked to keep. Dispose them (`keptResults.ForEach(t => t.Dispose())`) and the count
//    returns to where it started.
//    </details>
// 4. Read `lib/Environment/TorchBackend.cs` and add a check to the report that you would want on your machine.
//    <details><summary>Hint</summary>
//
//    The report's rows are built in `EnvironmentReport.Collect` (`lib/Environment/EnvironmentReport.cs`): add an
//    `EnvironmentCheck("…", value)` to its list, for example the `OMP_NUM_THREADS` or `WORKBOOK_TORCH_BACKEND`
//    variable (`System.Environment.GetEnvironmentVariable`), or free disk space in the NuGet cache. Rebuild with
//    `dotnet build lib` and restart the kernel: a running kernel keeps the `Workbook.dll` it loaded.
//    </details>
//
// ## Playground
//
// Try anything here: the kernel still has `device`, `input` and `layer`.

// Cell 19
// Your experiments here.
torch.arange(6).reshape(2, 3).Display();

// --- **Next:** [01 · Model definition](01-model-definition.ipynb) — tensors, autograd and your first `nn.Module`.
// Back to the [chapter list](../README.md#chapters).
