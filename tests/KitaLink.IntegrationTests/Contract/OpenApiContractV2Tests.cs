using System.Net;
using System.Text.Json;
using KitaLink.IntegrationTests.Infrastructure;

namespace KitaLink.IntegrationTests.Contract;

/// <summary>
/// The served document in the shapes generated clients need: one shared problem schema with an open
/// <c>code</c>, the headers of the contract, one paging scheme; and the Swagger UI settings.
/// </summary>
public sealed class OpenApiContractV2Tests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private async Task<JsonElement> DocumentAsync() =>
        await (await _client.GetAsync("/swagger/v1/swagger.json", token: null)).ExpectAsync(HttpStatusCode.OK);

    private static IEnumerable<(string Path, string Method, JsonElement Operation)> Operations(JsonElement document) =>
        document.GetProperty("paths").EnumerateObject().SelectMany(path =>
            path.Value.EnumerateObject().Where(m => m.Name is "get" or "post" or "patch" or "delete" or "put")
                .Select(m => (path.Name, m.Name, m.Value)));

    [Fact]
    public async Task EveryErrorResponse_RefersToTheOneProblemSchema_WithItsCodesListed()
    {
        var document = await DocumentAsync();
        var problems = 0;
        foreach (var (path, method, operation) in Operations(document))
        {
            foreach (var response in operation.GetProperty("responses").EnumerateObject().Where(r => r.Name[0] is '4' or '5'))
            {
                if (!response.Value.TryGetProperty("content", out var content) || !content.TryGetProperty("application/problem+json", out var media))
                {
                    continue;
                }
                problems++;
                Assert.True(media.GetProperty("schema").TryGetProperty("$ref", out var reference), $"{method} {path} {response.Name} has an inline problem schema");
                Assert.Equal("#/components/schemas/ProblemDetails", reference.GetString());
                var codes = response.Value.GetProperty("x-error-codes").EnumerateArray().Select(c => c.GetString()!).ToList();
                Assert.NotEmpty(codes);
                Assert.All(codes, c => Assert.Contains($"`{c}`", response.Value.GetProperty("description").GetString()));
            }
        }
        Assert.True(problems > 100);

        var schemas = document.GetProperty("components").GetProperty("schemas");
        var code = schemas.GetProperty("ProblemDetails").GetProperty("properties").GetProperty("code");
        Assert.False(code.TryGetProperty("enum", out _), "code must be an open string, not a closed enum");
        Assert.Contains("idempotency_key_reused", code.GetProperty("x-known-values").EnumerateArray().Select(c => c.GetString()));
        Assert.True(schemas.GetProperty("ProblemDetails").GetProperty("properties").GetProperty("detail").GetProperty("x-ms-primary-error-message").GetBoolean());
        Assert.False(schemas.TryGetProperty("ErrorCode", out _));
        Assert.Contains("More values may be added", schemas.GetProperty("PinStatus").GetProperty("description").GetString());
    }

    [Fact]
    public async Task CreatesDeclareIdempotencyKey_ListsPageAlike_AndChildAndGuardianDeclareETagAndIfMatch()
    {
        var document = await DocumentAsync();
        var operations = Operations(document).ToDictionary(o => o.Operation.GetProperty("operationId").GetString()!, o => o.Operation);
        string[] creates = ["registerParent", "linkMyChild", "createChild", "createGuardian", "createPins", "reissuePin2", "createFacility", "createFacilityStaff", "createFacilityStaffAsOperator"];
        foreach (var id in creates)
        {
            Assert.Contains(operations[id].GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "Idempotency-Key");
        }
        string[] lists = ["listChildren", "listChildEvents", "listFacilityStaff", "listFacilities", "listMyChildren"];
        var schemas = document.GetProperty("components").GetProperty("schemas");
        foreach (var id in lists)
        {
            var names = operations[id].GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
            Assert.Contains("limit", names);
            Assert.Contains("cursor", names);
            var reference = operations[id].GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json")
                .GetProperty("schema").GetProperty("$ref").GetString()!;
            var properties = schemas.GetProperty(reference.Split('/')[^1]).GetProperty("properties").EnumerateObject().Select(p => p.Name).Order().ToList();
            Assert.Equal(["items", "nextCursor"], properties);
        }
        foreach (var id in new[] { "updateChild", "updateGuardian" })
        {
            Assert.Contains(operations[id].GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "If-Match");
            Assert.True(operations[id].GetProperty("responses").TryGetProperty("412", out _));
        }
        foreach (var id in new[] { "getChild", "getGuardian" })
        {
            Assert.True(operations[id].GetProperty("responses").GetProperty("200").GetProperty("headers").TryGetProperty("ETag", out _));
        }
        Assert.True(operations["getMyAccount"].GetProperty("responses").GetProperty("401").GetProperty("headers").TryGetProperty("WWW-Authenticate", out _));
    }

    [Fact]
    public async Task RequestSchemas_CarryPatterns_AndOnlyStrictRequestsForbidUnknownMembers()
    {
        var schemas = (await DocumentAsync()).GetProperty("components").GetProperty("schemas");
        Assert.Equal(KitaLink.Api.Infrastructure.Http.InputRules.PersonNamePattern,
            schemas.GetProperty("CreateChildRequest").GetProperty("properties").GetProperty("firstName").GetProperty("pattern").GetString());
        Assert.False(schemas.GetProperty("CreateChildRequest").TryGetProperty("additionalProperties", out _));
        Assert.False(schemas.GetProperty("ChildProfile").TryGetProperty("additionalProperties", out _));
        Assert.False(schemas.GetProperty("UpdateChildRequest").GetProperty("additionalProperties").GetBoolean());
    }

    [Fact]
    public async Task SwaggerUi_KeepsTheToken_HasAFilter_AndCollapsesTheIntroduction()
    {
        var config = await (await _client.GetAsync("/swagger/index.js", token: null)).Content.ReadAsStringAsync();
        Assert.Contains("\"persistAuthorization\":true", config.Replace(" ", "", StringComparison.Ordinal));
        Assert.Contains("\"filter\":", config.Replace(" ", "", StringComparison.Ordinal));
        var description = (await DocumentAsync()).GetProperty("info").GetProperty("description").GetString()!;
        var visible = description[..description.IndexOf("<details>", StringComparison.Ordinal)];
        Assert.True(visible.Split('\n').Length <= 8, "the visible part of the introduction is a few lines");
    }
}
