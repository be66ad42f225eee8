using System.Net;
using KitaLink.IntegrationTests.Infrastructure;

namespace KitaLink.IntegrationTests.Foundation;

public sealed class OpenApiDocumentTests(KitaLinkFactory factory) : IClassFixture<KitaLinkFactory>
{
    [Fact]
    public async Task CommittedOpenApiYaml_EqualsServedDocument()
    {
        var response = await factory.CreateClient().GetAsync("/swagger/v1/swagger.yaml");
        var served = Normalize(await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var path = Path.Combine(RepositoryRoot.Path, "openapi.yaml");
        var committed = File.Exists(path) ? Normalize(await File.ReadAllTextAsync(path)) : "";
        Assert.True(served == committed,
            "openapi.yaml differs from the document the service serves. Regenerate it with scripts/openapi.sh and commit it.");
    }

    [Fact]
    public async Task SwaggerUi_IsServed()
    {
        var response = await factory.CreateClient().GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("swagger-ui", await response.Content.ReadAsStringAsync());
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n").TrimEnd();
}
