<?php
return ['default' => 'array', 'stores' => ['array' => ['driver' => 'array']], 'prefix' => 'b24ops_test'];
