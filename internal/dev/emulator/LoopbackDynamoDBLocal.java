// Runs AWS's DynamoDB Local listening on one address only. DynamoDB Local
// has no option for it: its Jetty server listens on every interface. This
// launcher builds the server from DynamoDB Local's own command line, sets the
// host of its connectors, then starts it as DynamoDB Local's main does.
//
// Usage (Java's source-file mode, with DynamoDBLocal.jar on the class path):
//   java -cp DynamoDBLocal.jar LoopbackDynamoDBLocal.java <host> <DynamoDB Local's arguments>
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.lang.reflect.Field;
import java.util.Arrays;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

public class LoopbackDynamoDBLocal {
    public static void main(String[] args) throws Exception {
        String host = args[0];
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(Arrays.copyOfRange(args, 1, args.length));
        Field f = DynamoDBProxyServer.class.getDeclaredField("server");
        f.setAccessible(true);
        Server server = (Server) f.get(proxy);
        for (Connector c : server.getConnectors()) {
            ((ServerConnector) c).setHost(host);
        }
        proxy.start();
        System.out.println("DynamoDB Local listening on " + host);
    }
}
