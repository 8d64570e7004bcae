using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Workbook.NotebookToApp;

/// <summary>
/// Where a notebook's scopes and a C# file's differ. In a notebook each cell's top-level variables are fields of
/// that cell's submission: a block in an earlier cell may declare a local of the same name, and a method may use a
/// variable declared after it. In a file every top-level variable is one local of the whole program, so such a
/// block local must be renamed (CS0136) and such a local function must come after the variables it uses (CS0841).
/// </summary>
public sealed class TopLevelScope
{
    private readonly Dictionary<string, int> _declaredAt = new(StringComparer.Ordinal);
    private readonly List<(string Name, int From, string NewName)> _redeclared = [];

    /// <summary>Collects the top-level variables of every cell; <paramref name="cells"/> in notebook order, members numbered across
    /// them.</summary>
    public TopLevelScope(IReadOnlyList<(int Cell, CompilationUnitSyntax Root)> cells, string notebookName)
    {
        var index = 0;
        var declaredIn = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (cell, root) in cells)
        foreach (var member in root.Members)
        {
            foreach (var name in TopLevelNames(member))
            {
                // A later cell that declares a name again starts a new variable, as in the notebook: from there on
                // the name means name_cell.
                if (declaredIn.ContainsKey(name))
                    _redeclared.Add((name, index, $"{name}_{cell}"));
                else
                {
                    declaredIn[name] = cell;
                    _declaredAt[name] = index;
                }
            }
            index++;
        }
    }

    /// <summary>
    /// <paramref name="member"/> (number <paramref name="index"/>) with the top-level names that a cell at or before it
    /// declared again renamed to that cell's variable, and the renames made.
    /// </summary>
    public (MemberDeclarationSyntax Member, IReadOnlyList<string> Renamed) RenameRedeclared(MemberDeclarationSyntax member, int index)
    {
        var active = _redeclared
            .Where(r => r.From <= index)
            .GroupBy(r => r.Name)
            .ToDictionary(g => g.Key, g => g.MaxBy(r => r.From).NewName);
        if (active.Count == 0)
            return (member, []);
        var tokens = member
            .DescendantTokens()
            .Where(t =>
                t.IsKind(SyntaxKind.IdentifierToken)
                && active.ContainsKey(t.ValueText)
                && (
                    t.Parent is IdentifierNameSyntax name
                        ? IsSimpleName(name)
                        : t.Parent is VariableDeclaratorSyntax or SingleVariableDesignationSyntax
                )
            )
            .ToList();
        if (tokens.Count == 0)
            return (member, []);
        // Said once, where the notebook declares the name again.
        var renamed = _redeclared.Where(r => r.From == index).Select(r => $"{r.Name} → {r.NewName}").ToList();
        return (
            member.ReplaceTokens(
                tokens,
                (original, _) => SyntaxFactory.Identifier(original.LeadingTrivia, active[original.ValueText], original.TrailingTrivia)
            ),
            renamed
        );
    }

    /// <summary>The names declared at the top level of the program.</summary>
    public IReadOnlyCollection<string> Names => _declaredAt.Keys;

    /// <summary>
    /// The index of the last member that declares a variable <paramref name="function"/> (member <paramref name="index"/>)
    /// uses and that comes after it, or null when it uses none (it can stay where it is).
    /// </summary>
    public int? MustFollow(MemberDeclarationSyntax function, int index)
    {
        // The function's own parameters and locals hide top-level names of the same spelling.
        var own = function
            .DescendantNodes()
            .Select(n =>
                n switch
                {
                    ParameterSyntax p => p.Identifier.ValueText,
                    VariableDeclaratorSyntax v => v.Identifier.ValueText,
                    SingleVariableDesignationSyntax d => d.Identifier.ValueText,
                    ForEachStatementSyntax f => f.Identifier.ValueText,
                    _ => null,
                }
            )
            .OfType<string>()
            .ToHashSet(StringComparer.Ordinal);
        var later = function
            .DescendantNodes()
            .OfType<IdentifierNameSyntax>()
            .Where(n => IsSimpleName(n) && !own.Contains(n.Identifier.ValueText))
            .Select(n => _declaredAt.TryGetValue(n.Identifier.ValueText, out var at) ? at : -1)
            .Where(at => at > index)
            .ToList();
        return later.Count > 0 ? later.Max() : null;
    }

    /// <summary>
    /// <paramref name="statement"/> with each local of a nested block (outside lambdas and local functions, which may
    /// reuse outer names) that has a top-level variable's name renamed to <c>name_cell</c>, and the renames made.
    /// </summary>
    public (GlobalStatementSyntax Statement, IReadOnlyList<string> Renamed) RenameNestedLocals(GlobalStatementSyntax statement, int cell)
    {
        var tokens = new Dictionary<SyntaxToken, string>();
        var renamed = new List<string>();
        foreach (var (identifier, scope) in NestedDeclarations(statement))
        {
            var name = identifier.ValueText;
            if (!_declaredAt.ContainsKey(name))
                continue;
            var newName = $"{name}_{cell}";
            tokens[identifier] = newName;
            foreach (
                var use in scope
                    .DescendantNodes()
                    .OfType<IdentifierNameSyntax>()
                    .Where(n => n.Identifier.ValueText == name && IsSimpleName(n))
            )
                tokens[use.Identifier] = newName;
            if (!renamed.Contains($"{name} → {newName}"))
                renamed.Add($"{name} → {newName}");
        }
        if (tokens.Count == 0)
            return (statement, renamed);
        var rewritten = statement.ReplaceTokens(
            tokens.Keys,
            (original, _) => SyntaxFactory.Identifier(original.LeadingTrivia, tokens[original], original.TrailingTrivia)
        );
        return (rewritten, renamed);
    }

    // A name that refers to a variable: not the member of a member access, a named argument or an initialiser's member.
    private static bool IsSimpleName(IdentifierNameSyntax name) =>
        name.Parent switch
        {
            MemberAccessExpressionSyntax access => access.Expression == name,
            MemberBindingExpressionSyntax => false,
            NameColonSyntax or NameEqualsSyntax => false,
            AssignmentExpressionSyntax { Parent: InitializerExpressionSyntax } assignment => assignment.Left != name,
            _ => true,
        };

    private static IEnumerable<string> TopLevelNames(MemberDeclarationSyntax member)
    {
        switch (member)
        {
            case FieldDeclarationSyntax field:
                foreach (var v in field.Declaration.Variables)
                    yield return v.Identifier.ValueText;
                break;
            case GlobalStatementSyntax { Statement: LocalDeclarationStatementSyntax local }:
                foreach (var v in local.Declaration.Variables)
                    yield return v.Identifier.ValueText;
                foreach (var d in Designations(local))
                    yield return d;
                break;
            case GlobalStatementSyntax global:
                foreach (var d in Designations(global.Statement))
                    yield return d;
                break;
        }
    }

    // Deconstruction, out and pattern variables whose scope is the top level (not inside a nested scope of the statement).
    private static IEnumerable<string> Designations(StatementSyntax statement) =>
        statement
            .DescendantNodes()
            .OfType<SingleVariableDesignationSyntax>()
            .Where(d => NestedScopeOf(d, statement) is null)
            .Select(d => d.Identifier.ValueText);

    private static IEnumerable<(SyntaxToken Identifier, SyntaxNode Scope)> NestedDeclarations(GlobalStatementSyntax global)
    {
        var statement = global.Statement;
        foreach (var node in statement.DescendantNodes())
        {
            SyntaxToken? identifier = node switch
            {
                VariableDeclaratorSyntax v => v.Identifier,
                ForEachStatementSyntax f => f.Identifier,
                CatchDeclarationSyntax c => c.Identifier,
                SingleVariableDesignationSyntax d => d.Identifier,
                _ => null,
            };
            if (identifier is null || identifier.Value.ValueText.Length == 0 || InsideFunction(node, statement))
                continue;
            var scope = node is ForEachStatementSyntax ? node : NestedScopeOf(node, statement);
            if (scope is not null)
                yield return (identifier.Value, scope);
        }
    }

    private static bool InsideFunction(SyntaxNode node, SyntaxNode top) =>
        node.Ancestors().TakeWhile(a => a != top).Any(a => a is AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax);

    private static SyntaxNode? NestedScopeOf(SyntaxNode node, SyntaxNode top) =>
        node.Ancestors()
            .TakeWhile(a => a != top.Parent)
            .FirstOrDefault(a =>
                a != top
                    && a
                        is BlockSyntax
                            or ForStatementSyntax
                            or CommonForEachStatementSyntax
                            or UsingStatementSyntax
                            or CatchClauseSyntax
                            or SwitchSectionSyntax
                            or WhileStatementSyntax
                            or AnonymousFunctionExpressionSyntax
                            or LocalFunctionStatementSyntax
                || (
                    a == top
                    && a
                        is BlockSyntax
                            or ForStatementSyntax
                            or CommonForEachStatementSyntax
                            or UsingStatementSyntax
                            or WhileStatementSyntax
                )
            );
}
