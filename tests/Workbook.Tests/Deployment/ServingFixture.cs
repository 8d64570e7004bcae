using Microsoft.AspNetCore.Builder;
using Workbook.Deployment;
using Workbook.Serving;

namespace Workbook.Tests.Deployment;

/// <summary>A model package and a tiny GPT-2 folder on disk for the serving tests, and a way to run the real server on
/// 127.0.0.1:0.</summary>
public sealed class ServingFixture : IDisposable
{
    public ServingFixture()
    {
        PackageFolder = DeploymentFixtures.TemporaryFolder("serving-package");
        DeploymentFixtures.ExportBreastCancerPackage(PackageFolder);
        Gpt2Folder = DeploymentFixtures.SaveTinyGpt2(DeploymentFixtures.TemporaryFolder("serving-gpt2"));
        Classifier = ModelPackage.Load(PackageFolder);
    }

    public string PackageFolder { get; }
    public string Gpt2Folder { get; }

    /// <summary>The same package loaded in this process: what every server answer is compared with.</summary>
    public TabularClassifier Classifier { get; }

    /// <summary>Rows of the data set the package was built for.</summary>
    public double[][] Rows(int count, int offset = 0)
    {
        var data = Workbook.Data.Datasets.LoadBreastCancer(Path.Combine(Repository.Root, "data", "breast-cancer", "breast_cancer.csv"));
        return
        [
            .. Enumerable
                .Range(offset, count)
                .Select(i => Enumerable.Range(0, data.FeatureCount).Select(j => data.Features[i % data.SampleCount, j]).ToArray()),
        ];
    }

    public ServingOptions Options(bool batching = true, bool gpt2 = true) =>
        new()
        {
            ModelFolder = PackageFolder,
            Gpt2Folder = gpt2 ? Gpt2Folder : null,
            Urls = "http://127.0.0.1:0",
            Batching = batching,
            MaxBodyBytes = 16 * 1024,
            MaxRowsPerRequest = 32,
        };

    /// <summary>Builds and starts the server; the client's base address is where it listens.</summary>
    public static async Task<RunningServer> StartAsync(ServingOptions options)
    {
        var app = ServingApp.Build(options);
        await app.StartAsync();
        var address = app.Urls.Single();
        Assert.StartsWith("http://127.0.0.1:", address);
        return new RunningServer(app, new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) });
    }

    public void Dispose()
    {
        Classifier.Dispose();
        foreach (var folder in new[] { PackageFolder, Gpt2Folder })
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
    }
}

/// <summary>A started in-process server and a client for it; disposing stops the server (with a deadline).</summary>
public sealed class RunningServer(WebApplication app, HttpClient client) : IAsyncDisposable
{
    public WebApplication App { get; } = app;
    public HttpClient Client { get; } = client;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await App.StopAsync(deadline.Token);
        await App.DisposeAsync();
    }
}
