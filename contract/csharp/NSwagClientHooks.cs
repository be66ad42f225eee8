namespace KitaLink.Contract.NSwag;

/// <summary>NSwag's partial hook: the flow reads the ETag of the last answer (the generated methods return bodies only).</summary>
public partial class KitaLinkClient
{
    public string? LastETag { get; private set; }

    partial void ProcessResponse(System.Net.Http.HttpClient client, System.Net.Http.HttpResponseMessage response) =>
        LastETag = response.Headers.ETag?.Tag;
}
