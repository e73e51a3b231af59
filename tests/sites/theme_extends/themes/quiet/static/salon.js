console.log("quiet");
