using System.Net;
using Microsoft.AspNetCore.Http.Features;

namespace DxyqOpenData.Api.Federation;

/// <summary>
/// The node's own request pipeline, captured at the front of it, so a federated query runs its local part through
/// exactly the same <c>/odata</c> route as a client would (routing, the anonymous public policy, query limits,
/// restricted properties, paging), in process: no loopback socket and no dependence on which address the node is
/// bound to. Works the same under Kestrel and the test server.
/// </summary>
public sealed class LocalPipeline
{
    private RequestDelegate? _pipeline;

    public RequestDelegate Pipeline => _pipeline ?? throw new InvalidOperationException("The pipeline is not built yet.");

    internal void Capture(RequestDelegate next) => _pipeline = next;
}

public static class LocalPipelineSetup
{
    /// <summary>First in the pipeline: remembers the rest of it (everything after this call).</summary>
    public static IApplicationBuilder UseLocalPipelineCapture(this IApplicationBuilder app)
    {
        var holder = app.ApplicationServices.GetRequiredService<LocalPipeline>();
        return app.Use(next =>
        {
            holder.Capture(next);
            return next;
        });
    }
}

/// <summary>An <see cref="HttpMessageHandler"/> that answers a GET by running it through the captured pipeline.</summary>
public sealed class LocalPipelineHandler(LocalPipeline pipeline, IHttpContextFactory contexts) : HttpMessageHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri!;
        var features = new FeatureCollection();
        var requestFeature = new HttpRequestFeature
        {
            Method = request.Method.Method,
            Scheme = uri.Scheme,
            Path = Uri.UnescapeDataString(uri.AbsolutePath),
            PathBase = "",
            QueryString = uri.Query,
            RawTarget = uri.PathAndQuery,
            Protocol = "HTTP/1.1",
        };
        requestFeature.Headers.Host = uri.Authority;
        requestFeature.Headers.Accept = "application/json";
        features.Set<IHttpRequestFeature>(requestFeature);
        var responseFeature = new HttpResponseFeature();
        features.Set<IHttpResponseFeature>(responseFeature);
        var body = new MemoryStream();
        features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(body));
        features.Set<IHttpRequestLifetimeFeature>(new HttpRequestLifetimeFeature { RequestAborted = cancellationToken });
        features.Set<IHttpConnectionFeature>(new HttpConnectionFeature { RemoteIpAddress = IPAddress.Loopback, LocalIpAddress = IPAddress.Loopback });

        if (request.Options.TryGetValue(DxyqOpenData.Federation.ReplicaUnionSource.Parts, out var union))
        {
            // Only an in-process request can carry this: answer from the union of this node's rows and the replicas.
            features.Set(new Harvest.ReplicaUnionFeature(union));
        }
        var context = contexts.Create(features);
        try
        {
            await pipeline.Pipeline(context);
            var response = new HttpResponseMessage((HttpStatusCode)context.Response.StatusCode)
            {
                Content = new ByteArrayContent(body.ToArray()),
                RequestMessage = request,
            };
            if (context.Response.ContentType is { } contentType)
            {
                response.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }
            return response;
        }
        finally
        {
            contexts.Dispose(context);
        }
    }
}
