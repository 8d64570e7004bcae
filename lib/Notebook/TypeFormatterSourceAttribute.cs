namespace Workbook.Notebook;

/// <summary>
/// Tells .NET Interactive how to render a type, without this library depending on any notebook package:
/// the kernel's formatter looks for an attribute with exactly this name and a <c>FormatterSourceType</c>
/// property, instantiates the source and calls its <c>CreateTypeFormatters()</c> (the documented
/// convention-based formatter source of Microsoft.DotNet.Interactive.Formatting).
/// Introduced with chapter 00.
/// </summary>
/// <param name="formatterSourceType">A type with a public parameterless constructor and a <c>CreateTypeFormatters()</c> method.</param>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Interface, Inherited = false)]
public sealed class TypeFormatterSourceAttribute(Type formatterSourceType) : Attribute
{
    /// <summary>The formatter source type.</summary>
    public Type FormatterSourceType { get; } = formatterSourceType;

    /// <summary>MIME types the notebook should prefer for the attributed type.</summary>
    public string[]? PreferredMimeTypes { get; set; }
}

/// <summary>
/// A value that renders itself as an HTML fragment in a notebook (and as text everywhere else). Introduced with chapter 00.
/// </summary>
public interface IHtmlRenderable
{
    /// <summary>An HTML fragment (no scripts) showing the value.</summary>
    string ToHtml();
}

/// <summary>The formatter source for every <see cref="IHtmlRenderable"/> type of this library. Introduced with chapter 00.</summary>
public sealed class HtmlRenderableFormatterSource
{
    /// <summary>Called by the notebook kernel by convention.</summary>
    public IEnumerable<object> CreateTypeFormatters() => [new HtmlFormatter(), new PlainTextFormatter()];

    /// <summary>Writes <see cref="IHtmlRenderable.ToHtml"/>.</summary>
    public sealed class HtmlFormatter
    {
        /// <summary>The MIME type produced.</summary>
        public string MimeType => "text/html";

        /// <summary>The types handled.</summary>
        public Type Type => typeof(IHtmlRenderable);

        /// <summary>Formats <paramref name="instance"/> to <paramref name="writer"/>.</summary>
        public bool Format(object instance, TextWriter writer)
        {
            if (instance is not IHtmlRenderable renderable)
                return false;
            writer.Write(renderable.ToHtml());
            return true;
        }
    }

    /// <summary>Writes <see cref="object.ToString"/>, so plain-text front ends get the same table as the console.</summary>
    public sealed class PlainTextFormatter
    {
        /// <summary>The MIME type produced.</summary>
        public string MimeType => "text/plain";

        /// <summary>The types handled.</summary>
        public Type Type => typeof(IHtmlRenderable);

        /// <summary>Formats <paramref name="instance"/> to <paramref name="writer"/>.</summary>
        public bool Format(object instance, TextWriter writer)
        {
            if (instance is not IHtmlRenderable)
                return false;
            writer.Write(instance.ToString());
            return true;
        }
    }
}
