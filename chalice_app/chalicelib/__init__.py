"""apkgen's domain library: deployed with the Lambda functions and shared by the build runner.

Modules: ``settings`` (read once from the environment), ``errors`` (one root, AWS codes kept),
``aws`` (lazy boto3 clients), ``dynamo`` (typed attribute values), the stores ``builds``,
``logstore``, ``connections``, ``uploads`` and ``jobs``, ``protocol`` (the messages viewers
receive), ``validation`` (build requests), ``service`` (the use cases the routes call),
``context`` (the process-wide service), ``wsapi`` (Chalice's WebsocketAPI on the configured
``@connections`` endpoint) and ``static`` (the web page's files).
"""
