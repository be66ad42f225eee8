using System.Text.Json;
using KitaLink.IntegrationTests.Infrastructure;

namespace KitaLink.IntegrationTests.Foundation;

/// <summary>
/// The completeness rules of the served OpenAPI document: integrators build on it alone, so every operation
/// is named, summarised, described and tagged, every tag is described, and every parameter, JSON body and
/// JSON answer has an example. Each feature supplies these next to its endpoints.
/// </summary>
public sealed class OpenApiCompletenessTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    private static readonly string[] s_methods = ["get", "put", "post", "delete", "patch", "head", "options"];

    private async Task<JsonElement> DocumentAsync()
    {
        var json = await factory.CreateClient().GetStringAsync("/swagger/v1/swagger.json");
        return JsonDocument.Parse(json).RootElement.Clone();
    }

    private static IEnumerable<(string Name, JsonElement Operation)> Operations(JsonElement document)
    {
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => s_methods.Contains(o.Name)))
            {
                yield return ($"{operation.Name.ToUpperInvariant()} {path.Name}", operation.Value);
            }
        }
    }

    private static bool HasText(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString());

    private static bool HasExample(JsonElement element) =>
        element.TryGetProperty("example", out _) || element.TryGetProperty("examples", out _);

    [Fact]
    public async Task EveryOperation_HasNameSummaryDescriptionAndTag()
    {
        var missing = Operations(await DocumentAsync())
            .Where(o => !HasText(o.Operation, "operationId") || !HasText(o.Operation, "summary") || !HasText(o.Operation, "description")
                || !o.Operation.TryGetProperty("tags", out var tags) || tags.GetArrayLength() == 0)
            .Select(o => o.Name)
            .ToList();

        Assert.True(missing.Count == 0, "Needs .WithName, .WithSummary, .WithDescription and .WithTag: " + string.Join(", ", missing));
    }

    [Fact]
    public async Task EveryUsedTag_IsDescribed()
    {
        var document = await DocumentAsync();
        var used = Operations(document).SelectMany(o => o.Operation.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!)).ToHashSet();
        var described = document.GetProperty("tags").EnumerateArray()
            .Where(t => HasText(t, "description"))
            .Select(t => t.GetProperty("name").GetString()!)
            .ToHashSet();

        Assert.Empty(used.Except(described));
    }

    [Fact]
    public async Task EveryParameterBodyAndJsonAnswer_HasAnExample()
    {
        var missing = new List<string>();
        foreach (var (name, operation) in Operations(await DocumentAsync()))
        {
            if (operation.TryGetProperty("parameters", out var parameters))
            {
                missing.AddRange(parameters.EnumerateArray()
                    .Where(p => !HasExample(p))
                    .Select(p => $"{name} parameter {p.GetProperty("name").GetString()}"));
            }
            if (operation.TryGetProperty("requestBody", out var body))
            {
                missing.AddRange(body.GetProperty("content").EnumerateObject()
                    .Where(m => m.Name.Contains("json", StringComparison.Ordinal) && !HasExample(m.Value))
                    .Select(m => $"{name} body {m.Name}"));
            }
            foreach (var response in operation.GetProperty("responses").EnumerateObject())
            {
                if (response.Value.TryGetProperty("content", out var content))
                {
                    missing.AddRange(content.EnumerateObject()
                        .Where(m => m.Name.Contains("json", StringComparison.Ordinal) && !HasExample(m.Value))
                        .Select(m => $"{name} answer {response.Name} {m.Name}"));
                }
            }
        }

        Assert.True(missing.Count == 0, "Add the example to the feature's IOpenApiExamples: " + string.Join("; ", missing));
    }
}
