using Workbook.Serving;

namespace Workbook.Tests.Deployment;

public sealed class ServingOptionsTests
{
    [Fact]
    public void The_command_line_sets_every_limit()
    {
        var options = ServingOptions.Parse([
            "--model",
            "pkg",
            "--gpt2",
            "g",
            "--urls",
            "http://127.0.0.1:0",
            "--batching",
            "off",
            "--batch-max-rows",
            "8",
            "--batch-max-wait-ms",
            "5",
            "--max-body-bytes",
            "1000",
            "--max-rows",
            "4",
            "--max-concurrency",
            "2",
            "--max-queue",
            "0",
            "--body-timeout-ms",
            "300",
            "--queue-timeout-ms",
            "400",
            "--predict-timeout-ms",
            "100",
            "--generate-timeout-ms",
            "2000",
            "--max-new-tokens",
            "16",
            "--shutdown-timeout-ms",
            "3000",
        ]);
        Assert.Equal(("pkg", "g", "http://127.0.0.1:0", false), (options.ModelFolder, options.Gpt2Folder, options.Urls, options.Batching));
        Assert.Equal(
            (8, TimeSpan.FromMilliseconds(5), 1000L, 4),
            (options.BatchMaxRows, options.BatchMaxWait, options.MaxBodyBytes, options.MaxRowsPerRequest)
        );
        Assert.Equal((2, 0, 16), (options.MaxConcurrentRequests, options.MaxQueuedRequests, options.MaxNewTokensLimit));
        Assert.Equal(
            (TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3)),
            (options.PredictTimeout, options.GenerateTimeout, options.ShutdownTimeout)
        );
        Assert.Equal((TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(400)), (options.BodyTimeout, options.QueueTimeout));
        var defaults = ServingOptions.Parse(["--model", "pkg"]);
        Assert.True(defaults.Batching);
        Assert.Null(defaults.Gpt2Folder);
        Assert.Equal(TimeSpan.Zero, defaults.BatchMaxWait); // batches form from what queues during a pass; no added wait
    }

    [Theory]
    [InlineData(new[] { "--gpt2", "g" }, "--model FOLDER is required")]
    [InlineData(new[] { "--model" }, "Option --model needs a value")]
    [InlineData(new[] { "--model", "p", "--modle", "q" }, "Unknown option '--modle'")]
    [InlineData(new[] { "--model", "p", "--batching", "yes" }, "--batching is 'on' or 'off'")]
    [InlineData(new[] { "--model", "p", "--max-rows", "many" }, "--max-rows needs a whole number")]
    [InlineData(new[] { "--model", "p", "--max-concurrency", "0" }, "--max-concurrency must be between 1 and")]
    public void Bad_command_lines_are_explained(string[] args, string expected) =>
        Assert.Contains(expected, Assert.Throws<ArgumentException>(() => ServingOptions.Parse(args)).Message);
}
