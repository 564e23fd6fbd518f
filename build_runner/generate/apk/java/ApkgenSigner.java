// apkgen's warm signer: one JVM that signs and verifies APKs with apksig for many builds.
//
// Started by build_runner/generate/apk/warm_signer.py as
//   java -cp <this dir>:apksig.jar ApkgenSigner <keystore> <alias> <keystore type>
// with the keystore and key passwords in the environment variables APKGEN_SIGNER_KS_PASS and
// APKGEN_SIGNER_KEY_PASS (never on the command line). It loads the key once, prints "READY",
// then answers one request per line on stdin, fields separated by tabs:
//   SIGN <in> <out> <minSdk>   -> v1 + v2 + v3 signed copy of <in> at <out>
//   VERIFY <apk>               -> verification result
// Every answer ends with exactly one line "OK<TAB>..." or "ERR<TAB>message"; lines before it
// starting with "LOG<TAB>level<TAB>" are progress and issues for the build log.
import com.android.apksig.ApkSigner;
import com.android.apksig.ApkVerifier;
import java.io.BufferedReader;
import java.io.File;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

public final class ApkgenSigner {
    private static PrintStream out;

    public static void main(String[] args) throws Exception {
        out = new PrintStream(System.out, true, "UTF-8");
        if (args.length != 3) {
            out.println("ERR\tusage: ApkgenSigner <keystore> <alias> <keystore type>");
            System.exit(2);
        }
        ApkSigner.SignerConfig signer;
        try {
            signer = loadSigner(args[0], args[1], args[2]);
        } catch (Exception e) {
            out.println("ERR\tcannot load key " + args[1] + " from keystore " + args[0] + ": "
                    + oneLine(e));
            System.exit(3);
            return;
        }
        out.println("READY");
        BufferedReader in = new BufferedReader(
                new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] parts = line.split("\t", -1);
            try {
                if (parts[0].equals("SIGN") && parts.length == 4) {
                    sign(signer, new File(parts[1]), new File(parts[2]),
                            Integer.parseInt(parts[3]));
                } else if (parts[0].equals("VERIFY") && parts.length == 2) {
                    verify(new File(parts[1]));
                } else if (parts[0].equals("PING")) {
                    out.println("OK\tpong");
                } else {
                    out.println("ERR\tunknown request: " + parts[0]);
                }
            } catch (Exception e) {
                out.println("ERR\t" + oneLine(e));
            }
        }
    }

    private static ApkSigner.SignerConfig loadSigner(String path, String alias, String type)
            throws Exception {
        String ksPass = System.getenv("APKGEN_SIGNER_KS_PASS");
        String keyPass = System.getenv("APKGEN_SIGNER_KEY_PASS");
        if (ksPass == null) {
            throw new IllegalArgumentException("APKGEN_SIGNER_KS_PASS is not set");
        }
        if (keyPass == null) {
            keyPass = ksPass;
        }
        KeyStore keyStore = KeyStore.getInstance(type);
        try (InputStream stream = new FileInputStream(path)) {
            keyStore.load(stream, ksPass.toCharArray());
        }
        if (!keyStore.containsAlias(alias)) {
            throw new IllegalArgumentException("the keystore has no key with alias " + alias);
        }
        PrivateKey key = (PrivateKey) keyStore.getKey(alias, keyPass.toCharArray());
        List<X509Certificate> certs = new ArrayList<>();
        for (Certificate cert : keyStore.getCertificateChain(alias)) {
            certs.add((X509Certificate) cert);
        }
        return new ApkSigner.SignerConfig.Builder("CERT", key, certs).build();
    }

    private static void sign(ApkSigner.SignerConfig signer, File in, File outFile, int minSdk)
            throws Exception {
        new ApkSigner.Builder(Collections.singletonList(signer))
                .setInputApk(in)
                .setOutputApk(outFile)
                .setMinSdkVersion(minSdk)
                .setV1SigningEnabled(true)
                .setV2SigningEnabled(true)
                .setV3SigningEnabled(true)
                .setV4SigningEnabled(false)
                .setCreatedBy("apkgen")
                .build()
                .sign();
        out.println("OK\tsigned");
    }

    private static void verify(File apk) throws Exception {
        ApkVerifier.Result result = new ApkVerifier.Builder(apk).build().verify();
        for (ApkVerifier.IssueWithParams issue : result.getErrors()) {
            out.println("LOG\terror\t" + oneLine(issue.toString()));
        }
        for (ApkVerifier.IssueWithParams issue : result.getWarnings()) {
            out.println("LOG\twarning\t" + oneLine(issue.toString()));
        }
        for (ApkVerifier.Result.V1SchemeSignerInfo info : result.getV1SchemeSigners()) {
            for (ApkVerifier.IssueWithParams issue : info.getErrors()) {
                out.println("LOG\terror\tv1: " + oneLine(issue.toString()));
            }
        }
        for (ApkVerifier.Result.V2SchemeSignerInfo info : result.getV2SchemeSigners()) {
            for (ApkVerifier.IssueWithParams issue : info.getErrors()) {
                out.println("LOG\terror\tv2: " + oneLine(issue.toString()));
            }
        }
        for (ApkVerifier.Result.V3SchemeSignerInfo info : result.getV3SchemeSigners()) {
            for (ApkVerifier.IssueWithParams issue : info.getErrors()) {
                out.println("LOG\terror\tv3: " + oneLine(issue.toString()));
            }
        }
        String digest = "";
        List<X509Certificate> certs = result.getSignerCertificates();
        if (!certs.isEmpty()) {
            digest = hex(MessageDigest.getInstance("SHA-256").digest(certs.get(0).getEncoded()));
        }
        out.println("OK\t" + result.isVerified() + "\t" + result.isVerifiedUsingV1Scheme() + "\t"
                + result.isVerifiedUsingV2Scheme() + "\t" + result.isVerifiedUsingV3Scheme()
                + "\t" + digest);
    }

    private static String hex(byte[] bytes) {
        StringBuilder text = new StringBuilder();
        for (byte b : bytes) {
            text.append(String.format("%02x", b));
        }
        return text.toString();
    }

    private static String oneLine(Object value) {
        String text = value instanceof Throwable
                ? value.getClass().getSimpleName() + ": " + ((Throwable) value).getMessage()
                : String.valueOf(value);
        return text.replace('\n', ' ').replace('\r', ' ').replace('\t', ' ');
    }
}
