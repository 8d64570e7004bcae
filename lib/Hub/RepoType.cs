namespace Workbook.Hub;

/// <summary>The kind of Hugging Face hub repository; it decides the URL prefix and the cache folder prefix.</summary>
public enum RepoType
{
    /// <summary>A model (<c>{endpoint}/{repo}</c>, cached as <c>models--org--name</c>).</summary>
    Model,
    /// <summary>A data set (<c>{endpoint}/datasets/{repo}</c>, cached as <c>datasets--org--name</c>).</summary>
    Dataset,
    /// <summary>A Space (<c>{endpoint}/spaces/{repo}</c>, cached as <c>spaces--org--name</c>).</summary>
    Space,
}
