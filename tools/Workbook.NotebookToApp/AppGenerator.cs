using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Workbook.NotebookToApp;

/// <summary>A notebook that cannot become an app, with the cell and the reason in words the author can act on.</summary>
public sealed class AppGenerationException(string message) : Exception(message);

/// <summary>
/// Turns one chapter notebook into the text of a .NET file-based app (<c>apps/NN-name.cs</c>): markdown as wrapped
/// <c>//</c> comments, code cells in order under <c>// Cell N</c>, every <c>using</c> directive hoisted to the top,
/// type declarations moved after the top-level statements (where C# requires them), the set-up cell's
/// <c>ChapterSetup.LoadAsync(Kernel.Root, …)</c> replaced by <c>AppSetup.Load()</c> with the chapter's packages as
/// versionless <c>#:package</c> lines (the version comes from Directory.Packages.props), and each cell's trailing
/// expression shown with <c>.Display()</c>, as the notebook shows it. The same notebook always gives the same text.
/// </summary>
public static class AppGenerator
{
    /// <summary>The widest a generated comment line gets (markdown is wrapped to it; code is left as written).</summary>
    public const int CommentWidth = 118;

    /// <summary>The namespaces the notebook kernel imports in every cell; an app states them.</summary>
    public static IReadOnlyList<string> KernelUsings { get; } =
    ["System", "System.Collections.Generic", "System.Linq", "System.Text", "System.Threading.Tasks"];

    private const string SetupCall = "ChapterSetup.LoadAsync";
    private static readonly CSharpParseOptions ScriptSyntax = new(LanguageVersion.Preview, DocumentationMode.None, SourceCodeKind.Script);
    private static readonly Regex NuGetReference = new(
        @"^#r\s+""nuget:\s*(?<id>[^,""\s]+)\s*(,\s*(?<version>[^""]*))?""\s*$",
        RegexOptions.CultureInvariant
    );

    /// <summary>The app for <paramref name="notebookJson"/>, the notebook file <paramref name="notebookName"/> (e.g.
    /// <c>00-environment-setup.ipynb</c>).</summary>
    /// <param name="notebookJson">The .ipynb file's text.</param>
    /// <param name="notebookName">Its file name, quoted in the app's header.</param>
    /// <param name="pinnedPackages">Package ids pinned in Directory.Packages.props; a package the notebook loads must be one.</param>
    /// <exception cref="AppGenerationException">A cell does not parse, or uses the kernel in a way an app cannot.</exception>
    public static string Generate(string notebookJson, string notebookName, IReadOnlySet<string> pinnedPackages)
    {
        ArgumentNullException.ThrowIfNull(notebookJson);
        ArgumentException.ThrowIfNullOrWhiteSpace(notebookName);
        ArgumentNullException.ThrowIfNull(pinnedPackages);
        var cells = ReadCells(notebookJson, notebookName);
        var app = new App(notebookName, pinnedPackages);
        var parsed = cells
            .Where(c => c.Kind == "code" && c.Source.Trim().Length > 0)
            .ToDictionary(c => c.Number, c => app.Parse(c.Number, c.Source));
        app.Scope = new TopLevelScope([.. parsed.Select(p => (p.Key, p.Value))], notebookName);
        foreach (var (number, kind, source) in cells)
        {
            if (kind == "markdown")
                app.Markdown(source);
            else if (parsed.TryGetValue(number, out var root))
                app.Code(number, root);
        }
        if (!app.HasSetup)
            throw new AppGenerationException(
                $"{notebookName}: no cell calls {SetupCall}(Kernel.Root, …), the set-up every chapter starts with."
            );
        return app.ToString();
    }

    private static List<(int Number, string Kind, string Source)> ReadCells(string json, string notebookName)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new AppGenerationException($"{notebookName} is not valid notebook JSON: {e.Message}");
        }
        using (document)
        {
            if (!document.RootElement.TryGetProperty("cells", out var cells) || cells.ValueKind != JsonValueKind.Array)
                throw new AppGenerationException($"{notebookName} has no \"cells\" array.");
            var result = new List<(int, string, string)>();
            var number = 0;
            foreach (var cell in cells.EnumerateArray())
            {
                number++;
                var kind = cell.TryGetProperty("cell_type", out var type) ? type.GetString() ?? "" : "";
                var source = cell.TryGetProperty("source", out var text)
                    ? text.ValueKind == JsonValueKind.Array
                        ? string.Concat(text.EnumerateArray().Select(l => l.GetString()))
                        : text.GetString() ?? ""
                    : "";
                result.Add((number, kind, source.Replace("\r\n", "\n", StringComparison.Ordinal)));
            }
            return result;
        }
    }

    private sealed class App(string notebookName, IReadOnlySet<string> pinnedPackages)
    {
        private readonly List<string> _packages = [];
        private readonly List<string> _usings = [];
        private readonly StringBuilder _body = new();
        private readonly StringBuilder _types = new();

        public bool HasSetup { get; private set; }

        public void Markdown(string source)
        {
            _body.Append('\n');
            foreach (var line in WrapMarkdown(source))
                _body.Append(line.Length == 0 ? "//" : "// " + line).Append('\n');
        }

        public TopLevelScope Scope { get; set; } = null!;
        private int _memberIndex;
        private readonly Dictionary<int, List<string>> _moved = [];

        public CompilationUnitSyntax Parse(int number, string source)
        {
            var tree = CSharpSyntaxTree.ParseText(NotebookOnlyLines(number, source), ScriptSyntax);
            var root = (CompilationUnitSyntax)tree.GetRoot();
            if (root.GetDiagnostics().FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error) is { } error)
                throw new AppGenerationException(
                    $"{notebookName}, cell {number}: {error.GetMessage(System.Globalization.CultureInfo.InvariantCulture)} (line "
                        + $"{error.Location.GetLineSpan().StartLinePosition.Line + 1} of the cell)."
                );
            return root;
        }

        public void Code(int number, CompilationUnitSyntax root)
        {
            _body.Append('\n').Append(Invariant($"// Cell {number}")).Append('\n');
            var cell = new StringBuilder();
            foreach (var directive in root.Usings)
            {
                cell.Append(CommentTrivia(directive.GetLeadingTrivia()));
                var text = Regex.Replace(directive.WithoutTrivia().ToString(), @"\s+", " ");
                if (directive.Name?.ToString().StartsWith("Microsoft.DotNet.Interactive", StringComparison.Ordinal) == true)
                    cell.Append("// Notebook only: ").Append(text).Append(" (an app's .Display() comes from Workbook.Notebook.Apps)\n");
                else if (!_usings.Contains(text))
                    _usings.Add(text);
            }
            var members = root.Members;
            for (var i = 0; i < members.Count; i++, _memberIndex++)
            {
                var member = members[i];
                (member, var redeclared) = Scope.RenameRedeclared(member, _memberIndex);
                if (redeclared.Count > 0)
                    cell.Append(
                        Invariant($"// Renamed from here on: {string.Join(", ", redeclared)} (the notebook declares ")
                            + "it again; one C# file cannot)\n"
                    );
                if (member is GlobalStatementSyntax global)
                {
                    var (renamedStatement, renames) = Scope.RenameNestedLocals(global, number);
                    if (renames.Count > 0)
                    {
                        cell.Append(
                            Invariant($"// Renamed in this cell: {string.Join(", ", renames)} (a block may not reuse a ")
                                + "top-level name in one C# file)\n"
                        );
                        member = renamedStatement;
                    }
                }
                if (member is MethodDeclarationSyntax function && Scope.MustFollow(function, _memberIndex) is { } after)
                {
                    RejectKernel(number, member);
                    if (!_moved.TryGetValue(after, out var list))
                        _moved[after] = list = [];
                    list.Add(
                        Invariant($"// From cell {number}, moved below the variables it uses (a local function may only use ")
                            + "variables declared above it):\n"
                            + TopLevel(function).ToFullString().Trim('\n')
                            + "\n"
                    );
                    cell.Append(
                        Invariant($"// {function.Identifier.ValueText}(…) is declared further down, after the variables it uses.\n")
                    );
                    continue;
                }
                AppendMember(number, cell, member, i == members.Count - 1);
                if (_moved.Remove(_memberIndex, out var due))
                    foreach (var text in due)
                        cell.Append(text);
            }
            // Comments after the last statement, and the whole text of a cell of comments only.
            cell.Append(root.EndOfFileToken.LeadingTrivia.ToFullString());
            _body.Append(cell.ToString().Trim('\n')).Append('\n');
        }

        private void AppendMember(int number, StringBuilder cell, MemberDeclarationSyntax member, bool isLast)
        {
            switch (member)
            {
                case BaseTypeDeclarationSyntax or DelegateDeclarationSyntax:
                    _types.Append('\n').Append($"// From cell {number}").Append('\n').Append(member.ToFullString().Trim('\n')).Append('\n');
                    break;
                case GlobalStatementSyntax { Statement: ExpressionStatementSyntax expression } when IsSetup(expression):
                    cell.Append(CommentTrivia(member.GetLeadingTrivia()));
                    Setup(number, expression);
                    cell.Append("// In the notebook: ")
                        .Append(expression.WithoutTrivia().ToString())
                        .Append('\n')
                        .Append(
                            "// An app cannot add packages while it runs: "
                                + "its build chose the native libtorch (apps/Directory.Build.targets).\n"
                        )
                        .Append("Workbook.Notebook.AppSetup.Load();\n");
                    break;
                case GlobalStatementSyntax { Statement: ExpressionStatementSyntax { SemicolonToken.IsMissing: true } last } when isLast:
                    RejectKernel(number, member);
                    cell.Append(last.GetLeadingTrivia().ToFullString())
                        .Append(Shown(last.Expression.WithoutTrivia()))
                        .Append(last.Expression.GetTrailingTrivia().ToFullString().TrimEnd('\n', ' '))
                        .Append('\n');
                    break;
                case GlobalStatementSyntax or FieldDeclarationSyntax or MethodDeclarationSyntax:
                    RejectKernel(number, member);
                    cell.Append(TopLevel(member).ToFullString());
                    break;
                default:
                    throw new AppGenerationException(
                        $"{notebookName}, cell {number}: a {member.Kind()} at the top of a cell has no equivalent in a C# "
                            + $"file ({Abbreviated(member)})."
                    );
            }
        }

        private static string Invariant(FormattableString text) => FormattableString.Invariant(text);

        // #r, #i and #! lines are directives to the notebook kernel: a #r "nuget" becomes #:package, the rest a comment.
        private string NotebookOnlyLines(int number, string source)
        {
            var lines = source.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i].Trim();
                if (
                    !(
                        line.StartsWith("#r ", StringComparison.Ordinal)
                        || line.StartsWith("#i ", StringComparison.Ordinal)
                        || line.StartsWith("#!", StringComparison.Ordinal)
                    )
                )
                    continue;
                if (NuGetReference.Match(line) is { Success: true } nuget)
                {
                    AddPackage(number, nuget.Groups["id"].Value);
                    lines[i] =
                        $"// In the notebook: {line} (here a #:package line at the top, at the version Directory.Packages.props pins)";
                }
                else if (line.StartsWith("#r ", StringComparison.Ordinal) && line.Contains("Workbook.dll", StringComparison.Ordinal))
                    lines[i] = $"// In the notebook: {line} (here the #:project line at the top)";
                else
                    lines[i] = $"// Notebook only: {line}";
            }
            return string.Join('\n', lines);
        }

        private static bool IsSetup(ExpressionStatementSyntax statement) =>
            statement.Expression is AwaitExpressionSyntax { Expression: InvocationExpressionSyntax call }
            && call.Expression.ToString().EndsWith(SetupCall, StringComparison.Ordinal);

        private void Setup(int number, ExpressionStatementSyntax statement)
        {
            var call = (InvocationExpressionSyntax)((AwaitExpressionSyntax)statement.Expression).Expression;
            foreach (var argument in call.ArgumentList.Arguments.Skip(1))
            {
                if (argument.Expression is not LiteralExpressionSyntax { RawKind: (int)SyntaxKind.StringLiteralExpression } literal)
                    throw new AppGenerationException(
                        $"{notebookName}, cell {number}: {SetupCall} takes package ids as string literals, not `{argument}`."
                    );
                AddPackage(number, literal.Token.ValueText);
            }
            HasSetup = true;
        }

        private void AddPackage(int number, string id)
        {
            if (!pinnedPackages.Contains(id))
                throw new AppGenerationException(
                    $"{notebookName}, cell {number}: package {id} is not pinned in Directory.Packages.props (pinned: "
                        + $"{string.Join(", ", pinnedPackages.Order(StringComparer.Ordinal))})."
                );
            if (!_packages.Contains(id, StringComparer.OrdinalIgnoreCase))
                _packages.Add(id);
        }

        private void RejectKernel(int number, SyntaxNode node)
        {
            if (
                node.DescendantNodes()
                    .OfType<IdentifierNameSyntax>()
                    .FirstOrDefault(n =>
                        n.Identifier.ValueText == "Kernel" && n.Parent is MemberAccessExpressionSyntax access && access.Expression == n
                    ) is
                { } kernel
            )
                throw new AppGenerationException(
                    $"{notebookName}, cell {number}: `{kernel.Parent}` reaches the notebook kernel, which an app does not have; "
                        + $"only the set-up call {SetupCall}(Kernel.Root, …) is translated."
                );
        }

        // A script's top-level method or field is a local function or variable in a file, where access modifiers are not allowed.
        private static MemberDeclarationSyntax TopLevel(MemberDeclarationSyntax member)
        {
            static bool IsAccess(SyntaxToken t) =>
                t.IsKind(SyntaxKind.PublicKeyword)
                || t.IsKind(SyntaxKind.PrivateKeyword)
                || t.IsKind(SyntaxKind.InternalKeyword)
                || t.IsKind(SyntaxKind.ProtectedKeyword);
            if (!member.Modifiers.Any(IsAccess))
                return member;
            var leading = member.GetLeadingTrivia();
            var kept = SyntaxFactory.TokenList(member.Modifiers.Where(t => !IsAccess(t)));
            return member.WithModifiers(kept).WithLeadingTrivia(leading);
        }

        // The trailing expression, shown: `expression.Display();`, parenthesised unless it is a primary expression.
        private static string Shown(ExpressionSyntax expression)
        {
            var primary =
                expression
                is InvocationExpressionSyntax
                    or MemberAccessExpressionSyntax
                    or IdentifierNameSyntax
                    or ObjectCreationExpressionSyntax
                    or ElementAccessExpressionSyntax
                    or LiteralExpressionSyntax
                    or ParenthesizedExpressionSyntax;
            var text = expression.ToString();
            return (primary ? text : $"({text})") + ".Display();";
        }

        private static string CommentTrivia(SyntaxTriviaList trivia) =>
            trivia.Any(t => t.IsKind(SyntaxKind.SingleLineCommentTrivia) || t.IsKind(SyntaxKind.MultiLineCommentTrivia))
                ? trivia.ToFullString().TrimStart('\n')
                : "";

        private static string Abbreviated(SyntaxNode node)
        {
            var text = Regex.Replace(node.WithoutTrivia().ToString(), @"\s+", " ");
            return text.Length <= 60 ? text : text[..57] + "…";
        }

        public override string ToString()
        {
            var app = new StringBuilder();
            app.Append($"// Generated from notebooks/{notebookName} by tools/notebook-to-app.sh: edit the notebook, then regenerate.\n")
                .Append($"// Run from the repository root: dotnet run apps/{Path.ChangeExtension(notebookName, ".cs")}\n")
                .Append("// The notebook's cells run one after another (each begins at its `// Cell N`); what a cell shows is printed,\n")
                .Append(
                    "// and each chart is written as an HTML page whose path is printed. The native libtorch is chosen when the app is\n"
                )
                .Append("// built (WORKBOOK_TORCH_BACKEND=cpu|cuda forces one; see apps/Directory.Build.targets).\n")
                .Append("#:project ../lib/Workbook.csproj\n");
            foreach (var package in _packages)
                app.Append($"#:package {package}\n");
            // The notebook kernel compiles cells with no trimming or AOT analysis, no nullable warnings and its own usings.
            app.Append("#:property PublishAot=false\n#:property ImplicitUsings=disable\n#:property Nullable=annotations\n\n");
            foreach (var ns in KernelUsings)
                app.Append($"using {ns};\n");
            foreach (var directive in _usings.Where(u => !KernelUsings.Any(k => u == $"using {k};")))
                app.Append(directive).Append('\n');
            app.Append("using Workbook.Notebook.Apps;   // .Display() on the console\n");
            app.Append(_body);
            if (_types.Length > 0)
                app.Append("\n// Types the cells declare: C# puts type declarations after the top-level statements.\n").Append(_types);
            return app.ToString();
        }
    }

    /// <summary>
    /// Markdown as comment lines no wider than <see cref="CommentWidth"/>: the lines of a paragraph, list item or quote
    /// joined and wrapped at spaces (continuations indented under the item's text, a quote's continued with "&gt; "),
    /// fenced code, tables, headings and HTML lines kept as written.
    /// </summary>
    public static IEnumerable<string> WrapMarkdown(string markdown)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        var fenced = false;
        string? logical = null;
        foreach (var raw in markdown.TrimEnd().Split('\n'))
        {
            var line = raw.TrimEnd();
            var trimmed = line.TrimStart();
            if (trimmed.StartsWith("```", StringComparison.Ordinal))
                fenced = !fenced;
            else if (!fenced && !IsKeptAsWritten(trimmed))
            {
                if (logical is not null && Continues(logical, line))
                    logical += " " + (trimmed.StartsWith('>') ? trimmed[1..] : trimmed).Trim();
                else
                {
                    foreach (var wrapped in Wrap(logical))
                        yield return wrapped;
                    logical = line;
                }
                continue;
            }
            foreach (var wrapped in Wrap(logical))
                yield return wrapped;
            logical = null;
            yield return line;
        }
        foreach (var wrapped in Wrap(logical))
            yield return wrapped;
    }

    private static readonly Regex ItemStart = new(@"^(\s*)([-*+]\s+|\d+[.)]\s+|>\s*)?", RegexOptions.CultureInvariant);

    private static bool IsKeptAsWritten(string trimmed) =>
        trimmed.Length == 0 || trimmed.StartsWith('|') || trimmed.StartsWith('#') || trimmed.StartsWith('<');

    // A line continues the one before unless it starts a list item, or enters or leaves a quote.
    private static bool Continues(string previous, string line)
    {
        var trimmed = line.TrimStart();
        if (Regex.IsMatch(trimmed, @"^([-*+]\s|\d+[.)]\s)"))
            return false;
        return trimmed.StartsWith('>') == previous.TrimStart().StartsWith('>')
            && !(trimmed.StartsWith('>') && Regex.IsMatch(trimmed[1..].TrimStart(), @"^([-*+]\s|\d+[.)]\s)"));
    }

    private static IEnumerable<string> Wrap(string? line)
    {
        if (line is null)
            yield break;
        var width = CommentWidth - 3;
        if (line.Length <= width)
        {
            yield return line;
            yield break;
        }
        var marker = ItemStart.Match(line);
        var hanging = marker.Value.TrimStart().StartsWith('>') ? marker.Value : new string(' ', marker.Length);
        var current = new StringBuilder(marker.Value);
        var words = 0;
        foreach (var word in line[marker.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (words > 0 && current.Length + 1 + word.Length > width)
            {
                yield return current.ToString();
                current.Clear().Append(hanging);
                words = 0;
            }
            current.Append(words > 0 ? " " : "").Append(word);
            words++;
        }
        if (words > 0)
            yield return current.ToString();
    }
}
