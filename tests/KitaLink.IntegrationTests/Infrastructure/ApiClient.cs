using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace KitaLink.IntegrationTests.Infrastructure;

/// <summary>HTTP helpers for tests: JSON calls with a bearer token, real tokens from the token endpoints, problem-details checks.</summary>
public static class ApiClient
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static HttpClient WithToken(this HttpClient client, string? token)
    {
        client.DefaultRequestHeaders.Authorization = token is null ? null : new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public static Task<HttpResponseMessage> SendJsonAsync(this HttpClient client, HttpMethod method, string path, object? body, string? token = null, string? language = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: Json);
        }
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        if (language is not null)
        {
            request.Headers.AcceptLanguage.ParseAdd(language);
        }
        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, object? body, string? token = null, string? language = null) =>
        client.SendJsonAsync(HttpMethod.Post, path, body, token, language);

    public static Task<HttpResponseMessage> PatchJsonAsync(this HttpClient client, string path, object? body, string? token = null) =>
        client.SendJsonAsync(HttpMethod.Patch, path, body, token);

    public static Task<HttpResponseMessage> GetAsync(this HttpClient client, string path, string? token, string? language = null) =>
        client.SendJsonAsync(HttpMethod.Get, path, null, token, language);

    public static Task<HttpResponseMessage> DeleteAsync(this HttpClient client, string path, string? token, object? body = null) =>
        client.SendJsonAsync(HttpMethod.Delete, path, body, token);

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts the status, then returns the body.</summary>
    public static async Task<JsonElement> ExpectAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status} {status} but got {(int)response.StatusCode} {response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 9457 problem with the given status and <c>code</c>; returns it.</summary>
    public static async Task<JsonElement> ExpectProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var problem = await response.ExpectAsync(status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("traceId").GetString()));
        return problem;
    }

    /// <summary>A real staff or operator access token from <c>POST /api/v1/staff/auth/token</c>.</summary>
    public static async Task<string> StaffTokenAsync(this HttpClient client, string email, string password)
    {
        var response = await client.PostJsonAsync("/api/v1/staff/auth/token", new { email, password });
        var body = await response.ExpectAsync(HttpStatusCode.OK);
        return body.GetProperty("accessToken").GetString()!;
    }

    public static Task<string> OperatorTokenAsync(this HttpClient client) =>
        client.StaffTokenAsync(KitaLinkFactory.OperatorEmail, KitaLinkFactory.OperatorPassword);
}
