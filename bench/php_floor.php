<?php
// The server's own floor: one PHP process creating N attachments and N posts with WordPress's
// functions, no HTTP at all. Run inside the site folder:
//   php bench/php_floor.php SITE_DIR PDF_FILE N
// Prints the seconds taken.
$site = $argv[1]; $pdf = $argv[2]; $n = (int) $argv[3];
$_SERVER['HTTP_HOST'] = 'localhost';
require $site . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/image.php';
wp_set_current_user(1);
$start = microtime(true);
for ($i = 0; $i < $n; $i++) {
    $upload = wp_upload_bits("floor-$i.pdf", null, file_get_contents($pdf));
    $attachment = wp_insert_attachment(array('post_mime_type' => 'application/pdf', 'post_title' => "floor $i",
                                             'post_status' => 'inherit'), $upload['file']);
    wp_insert_post(array('post_title' => "floor post $i", 'post_status' => 'publish',
                         'post_content' => '<a href="' . $upload['url'] . '">doc</a>', 'post_category' => array(1)));
}
printf("%.3f\n", microtime(true) - $start);
